"""`connlog export --spark URL TABLE_OR_PATH [FILTERS] -o OUT` against the real server:
the same bytes as `connlog export` of the logs; the URL from SPARK_REMOTE; one-line errors
that never show the URL's token; the install hint without pyspark."""

from __future__ import annotations

import importlib.util
import json

import pytest

from connlog_tui.cli import demo_paths, main

FILTERS = ["--action", "sso failed", "--search", "saml", "--since", "2026-03-03"]


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli") / "archive"
    assert main(["export", *demo_paths(), "--partition-by", "day", "-o", str(root)]) == 0
    return root


def test_export_from_spark_equals_export_from_the_files(spark_url, archive, tmp_path, capsys):
    mine, theirs = tmp_path / "files.csv", tmp_path / "spark.csv"
    assert main(["export", *demo_paths(), *FILTERS, "-o", str(mine)]) == 0
    flags = ["--provenance"]
    assert (
        main(["export", "--spark", spark_url, str(archive), *FILTERS, *flags, "-o", str(theirs)])
        == 0
    )
    assert theirs.read_bytes() == mine.read_bytes()
    assert mine.read_text().count("\n") > 1
    record = json.loads((tmp_path / "spark.csv.provenance.json").read_text())
    assert record["sources"] == [f"{archive} on {spark_url.removeprefix('sc://')}"]
    capsys.readouterr()


def test_url_from_spark_remote(spark_url, archive, tmp_path, monkeypatch):
    monkeypatch.setenv("SPARK_REMOTE", spark_url)
    out = tmp_path / "out.jsonl"
    assert main(["export", "--spark", str(archive), "--user", "ben", "-o", str(out)]) == 0
    assert out.read_text().count("\n") > 0


def test_without_a_url_names_spark_remote(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SPARK_REMOTE", raising=False)
    assert main(["export", "--spark", "t", "-o", str(tmp_path / "o.csv")]) == 2
    assert "SPARK_REMOTE" in capsys.readouterr().err


def test_errors_are_one_line_without_the_token(tmp_path, capsys):
    # Reaching for the server needs the client; without it the install hint is said
    # (test_without_pyspark_says_how_to_add_it).
    pytest.importorskip("pyspark", reason="no Spark Connect client (pip install 'connlog[spark]')")
    url = "sc://127.0.0.1:9/;token=s3cr3t-token"
    assert main(["export", "--spark", url, "t", "-o", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert "cannot reach" in err and "127.0.0.1:9" in err
    assert "s3cr3t" not in err and err.count("\n") == 1


def test_without_pyspark_says_how_to_add_it(tmp_path, capsys, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pyspark" else real(name, *a)
    )
    assert main(["export", "--spark", "sc://x:1", "t", "-o", str(tmp_path / "o.csv")]) == 2
    assert "pip install 'connlog[spark]'" in capsys.readouterr().err


def test_count_says_it_does_not_run_on_spark(capsys):
    assert main(["count", "--spark", "sc://x:1", "t", "--by", "app"]) == 2
    assert "does not run on Spark" in capsys.readouterr().err
