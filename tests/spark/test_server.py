"""The Spark Connect server the Spark tests run against: local, and answering."""

from __future__ import annotations

from urllib.parse import urlparse


def test_server_is_local_and_answers(spark_url):
    from pyspark.sql.connect.session import SparkSession

    assert urlparse(spark_url.replace("sc://", "http://")).hostname == "127.0.0.1"
    session = SparkSession.builder.remote(spark_url).create()
    try:
        assert session.range(5).count() == 5
        assert session.conf.get("spark.sql.session.timeZone") == "UTC"
    finally:
        session.stop()
