"""Cleaning rules, one module each: they take paragraphs out of the body and say what they removed.

Every rule is a :class:`~pipeline.steps.DocumentStep` (or a stream step, for rules that learn across a run's
pages) and records a :class:`~pipeline.artifacts.Finding` with weight 0 for what it removes; the translation
artifact scorer gives kinds their weights.
"""
