"""Machine-translation artifacts: detect machine-translated republishing, explain why, name the source.

Two pipeline steps (:mod:`pipeline.mt.steps`): one strips the template of known aggregators right after
normalisation, the other runs the detectors after language detection, scores their findings and infers the
source language and origin outlet. Everything site- or language-specific lives in versioned data files under
``pipeline/data/`` (:mod:`pipeline.mt.resources` loads and validates them).
"""
