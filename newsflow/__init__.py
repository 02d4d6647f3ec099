"""newsflow: scheduled news crawling and ingestion (Scrapy, Airflow, PostgreSQL), Korean news first."""

__version__ = "0.1.0"
