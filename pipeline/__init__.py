"""News corpus ETL: crawl, extract, clean, detect language and translation artifacts, write Parquet.

The library never imports Airflow; the DAGs in ``dags/`` are thin wrappers around :mod:`pipeline.runner`.
"""

__version__ = "0.1.0"
