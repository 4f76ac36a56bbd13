"""Cleaning rules, one module each: they take paragraphs out of the body and say what they removed.

Most rules are a :class:`~pipeline.steps.DocumentStep` (or a stream step, for rules that learn across a run's
pages) and record a :class:`~pipeline.artifacts.Finding` with weight 0 for what they remove; the translation
artifact scorer gives kinds their weights. Two rules need the page's tree and run inside extraction
(:func:`pipeline.extract.extract_article`): :mod:`~pipeline.clean.related_links` (lines that are links to other
stories) and :mod:`~pipeline.clean.continuation` (the rest of a story that ads split into blocks).
"""
