"""Machine-translation artifacts: detect machine-translated republishing, explain why, name the source.

Two per-article steps (:mod:`pipeline.mt.steps`): one strips the template of known aggregators right after
normalisation, the other runs the detectors after language detection (provenance anywhere on the page:
:mod:`pipeline.mt.provenance`), scores their findings and infers the source language and origin outlet. A whole-run
step (:mod:`pipeline.mt.profile`) then learns what each site's pages of the run show and raises or lowers their
scores. Everything site- or language-specific lives in versioned data files under ``pipeline/data/``
(:mod:`pipeline.mt.resources` loads and validates them).
"""
