"""Reference tables: loading with named errors, the bundled study, and the comparison."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import fisher_exact

from exitlens.coding.codebook import load_codebook
from exitlens.errors import ExitlensError
from exitlens.reference import (
    ReferenceTableError,
    compare,
    load_reference,
    newcombe_interval,
    sixty_narratives_path,
)
from exitlens.statistics import share_row
from tests.stats_data import tiny_codebook

GOOD_YAML = """\
source: a fictional study
rows:
  - {key: harsh, k: 3, n: 10, note: invented}
  - {key: family, k: 1, n: 10}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_bundled_sixty_narratives_table() -> None:
    table = load_reference(sixty_narratives_path(), load_codebook())
    assert list(table.columns) == ["key", "kind", "label", "k", "n", "share", "ci_low",
                                   "ci_high", "source", "citation", "note"]
    counts = {r["key"]: (r["kind"], r["k"], r["n"]) for r in table.to_dict("records")}
    assert counts == {"fighting_injustice": ("family", 21, 60),
                      "corruption_barbarism": ("family", 13, 60),
                      "discrimination": ("code", 5, 60)}
    assert all("reconstructed" in note for note in table["note"])
    assert "reconstructed" in sixty_narratives_path().read_text(encoding="utf-8")
    assert (table["citation"] == "").all()


def test_yaml_and_csv_give_the_same_table(tmp_path: Path) -> None:
    from_yaml = load_reference(write(tmp_path, "ref.yaml", GOOD_YAML), tiny_codebook())
    csv_text = "key,k,n,source,note\nharsh,3,10,a fictional study,invented\n" \
               "family,1,10,a fictional study,\n"
    from_csv = load_reference(write(tmp_path, "ref.csv", csv_text), tiny_codebook())
    pd.testing.assert_frame_equal(from_yaml, from_csv)
    assert from_yaml.loc[0, "kind"] == "family"
    assert from_yaml.loc[1, "label"] == "Family"
    assert from_yaml.attrs["path"].endswith("ref.yaml")


@pytest.mark.parametrize(("row", "reason"), [
    ("{key: no_such_code, k: 1, n: 10}", "unknown code or family 'no_such_code'"),
    ("{key: family, k: 11, n: 10}", "k (11) is larger than n (10)"),
    ("{key: family, k: -1, n: 10}", "k must not be negative"),
    ("{key: family, k: 1}", "missing field 'n'"),
    ("{key: family, k: 1.5, n: 10}", "k must be a whole number"),
    ("{key: family, k: 1, n: 0}", "n must be at least 1"),
    ("{key: family, k: 1, n: 10, sorce: typo}", "unknown field 'sorce'"),
])
def test_bad_rows_name_the_file_the_row_and_the_reason(tmp_path: Path, row: str,
                                                        reason: str) -> None:
    text = f"source: s\nrows:\n  - {{key: harsh, k: 1, n: 10}}\n  - {row}\n"
    path = write(tmp_path, "mine.yaml", text)
    with pytest.raises(ReferenceTableError) as info:
        load_reference(path, tiny_codebook())
    err = info.value
    assert isinstance(err, ExitlensError)
    assert err.code == "bad_reference"
    assert "mine.yaml" in str(err) and "row 2 (line 4)" in str(err)
    assert reason in str(err)


def test_a_row_without_a_source_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "nosource.yaml", "- {key: harsh, k: 1, n: 10}\n")
    with pytest.raises(ReferenceTableError, match="missing field 'source'"):
        load_reference(path, tiny_codebook())


def test_bad_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.yaml", "rows:\n  - {key: harsh, k: 1\n")
    with pytest.raises(ReferenceTableError) as info:
        load_reference(path, tiny_codebook())
    assert "broken.yaml:" in str(info.value) and "not valid YAML" in str(info.value)


def test_csv_errors_name_the_row_and_line(tmp_path: Path) -> None:
    text = "key,k,n,source\nharsh,1,10,s\ncorruption,twelve,10,s\n"
    with pytest.raises(ReferenceTableError) as info:
        load_reference(write(tmp_path, "ref.csv", text), tiny_codebook())
    assert "ref.csv: row 2 (line 3)" in str(info.value)
    assert "k must be a whole number" in str(info.value)
    with pytest.raises(ReferenceTableError, match="lacks n"):
        load_reference(write(tmp_path, "short.csv", "key,k,source\nharsh,1,s\n"),
                       tiny_codebook())


def test_unreadable_or_unknown_files(tmp_path: Path) -> None:
    with pytest.raises(ReferenceTableError, match="cannot read") as info:
        load_reference(tmp_path / "missing.yaml", tiny_codebook())
    assert "missing.yaml" in str(info.value)
    with pytest.raises(ReferenceTableError, match=r"\.yaml, \.yml or \.csv"):
        load_reference(write(tmp_path, "ref.txt", GOOD_YAML), tiny_codebook())
    with pytest.raises(ReferenceTableError, match="no rows"):
        load_reference(write(tmp_path, "empty.yaml", "rows: []\n"), tiny_codebook())


def test_duplicate_key_from_one_source_is_rejected(tmp_path: Path) -> None:
    text = "source: s\nrows:\n  - {key: harsh, k: 1, n: 10}\n  - {key: harsh, k: 2, n: 10}\n"
    with pytest.raises(ReferenceTableError, match="listed twice"):
        load_reference(write(tmp_path, "dup.yaml", text), tiny_codebook())


# --------------------------------------------------------------------------- comparison


def test_newcombe_interval_matches_published_values() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873-890, table II, method 10
    low, high = newcombe_interval(56, 70, 48, 80)
    assert (low, high) == (pytest.approx(0.0524, abs=5e-5), pytest.approx(0.3339, abs=5e-5))
    low, high = newcombe_interval(9, 10, 3, 10)
    assert (low, high) == (pytest.approx(0.1705, abs=5e-5), pytest.approx(0.8090, abs=5e-5))
    assert newcombe_interval(0, 0, 3, 10) == (None, None)


def ours(*rows: tuple[str, int, int]) -> pd.DataFrame:
    table = pd.DataFrame([{"key": key, "label": key, **share_row(k, n)} for key, k, n in rows])
    table.attrs["denominator"] = "n = 20 defector cases (fictional)"
    return table


def test_compare_figures(tmp_path: Path) -> None:
    reference = load_reference(write(tmp_path, "ref.yaml", GOOD_YAML), tiny_codebook())
    out = compare(ours(("harsh", 12, 20), ("family", 1, 10)), reference)
    assert list(out.columns[:18]) == [
        "key", "label", "kind", "source", "k", "n", "share", "ci_low", "ci_high",
        "ref_k", "ref_n", "ref_share", "ref_ci_low", "ref_ci_high",
        "difference", "diff_low", "diff_high", "p_value"]
    harsh = out.iloc[0]
    assert (harsh["k"], harsh["n"], harsh["ref_k"], harsh["ref_n"]) == (12, 20, 3, 10)
    assert harsh["difference"] == pytest.approx(0.6 - 0.3)
    assert (harsh["diff_low"], harsh["diff_high"]) == newcombe_interval(12, 20, 3, 10)
    assert harsh["diff_low"] < harsh["difference"] < harsh["diff_high"]
    assert harsh["p_value"] == pytest.approx(fisher_exact([[12, 8], [3, 7]]).pvalue)
    same = out.iloc[1]
    assert same["difference"] == 0 and same["p_value"] == pytest.approx(1.0)
    assert "Fisher" in out.attrs["test"] and "Newcombe" in out.attrs["interval"]
    assert out.attrs["denominator"] == "n = 20 defector cases (fictional)"


def test_compare_a_key_missing_from_our_tables(tmp_path: Path) -> None:
    reference = load_reference(write(tmp_path, "ref.yaml", GOOD_YAML), tiny_codebook())
    out = compare(ours(("harsh", 2, 5)), reference)
    missing = out[out["key"] == "family"].iloc[0]
    assert pd.isna(missing["k"]) and pd.isna(missing["p_value"])
    assert missing["ref_k"] == 1
