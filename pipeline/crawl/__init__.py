"""Polite, defensive crawling into the raw zone (WARC), for the network source kinds (rss, sitemap, archive, warc by URL).

``fetcher`` does one HTTP exchange with every limit enforced; ``crawler`` schedules many of them (robots.txt,
per-host delay and concurrency, retries, redirects, dedup); ``rawzone`` records every fetch as WARC; ``state``
remembers which articles a source has fetched. Extraction then reads pages back from the raw zone, never the network.
"""
