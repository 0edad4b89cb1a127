"""Export, verification and import of signed bundles, in-process, with two private HOMEs."""

from __future__ import annotations

import json
import pickle
import shutil
import sys
import zipfile
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook

import pllm_notebook as pllm
from pllm_notebook.cli import main as cli
from pllm_notebook.errors import BundleError, ConfigError, MissingAPIKeyError, UntrustedEntryError
from pllm_notebook.notebook.export import ExportSelection, export_notebook, parse_since
from pllm_notebook.notebook.trust_gate import check_trust
from pllm_notebook.store import CallRecord, MemoRecord, ResumeStore
from pllm_notebook.store.bundle import open_bundle, write_bundle
from pllm_notebook.store.bundle_import import import_bundle
from pllm_notebook.store.signing import load_or_create_author_key

SECRET = "sk-proj-abcdefghijklmnop0123456789"


class Marker:
    """A pickle that, if ever loaded, creates a file: the stand-in for a malicious payload."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


def _notebook(path: Path, ids: list[str]) -> Path:
    nb = new_notebook(cells=[new_code_cell(f"x_{i} = 1") for i in ids])
    for cell, cell_id in zip(nb.cells, ids, strict=True):
        cell.id = cell_id
    path.write_text(json.dumps(nb))
    return path


def _author_directory(root: Path) -> Path:
    """A resume directory used by two notebooks: study.ipynb (cells a, b) and other.ipynb (cell z)."""
    directory = root / ".pllm"
    store = ResumeStore.open(directory)
    for call_id, cell, text in (
        ("c1", "cell:a", "forty-two"),
        ("c2", "cell:b", "ok"),
        ("c3", "cell:z", "comet"),
    ):
        store.put_call(
            CallRecord(
                call_id=call_id,
                resume_key=f"rk-{call_id}",
                agent="writer",
                provider="openai-chat",
                model="gpt-4o-mini",
                request={"messages": [{"role": "user", "content": f"about {text}"}], "api_key": SECRET},
                text=text,
                source="live",
                extras={"cell": cell},
            )
        )
    outputs = store.blobs.put(
        json.dumps([{"type": "stream", "name": "stdout", "text": f"key {SECRET}"}]).encode()
    )
    model = store.blobs.put(pickle.dumps({"weights": [1, 2, 3]}))
    for key, label, call_id in (("k-a", "cell:a", "c1"), ("k-z", "cell:z", "c3")):
        store.put_memo(
            MemoRecord(
                key=key,
                kind="cell",
                label=label,
                agent="",
                inputs={"source": "s"},
                payload={
                    "ops": [{"state": "writer", "op": "append", "args": [{"t": "r", "id": call_id}]}],
                    "outputs": outputs,
                    "vars": {"values": {"model": model}, "definitions": {}, "deleted": []},
                },
            )
        )
    store.flush()
    _notebook(root / "study.ipynb", ["a", "b"])
    _notebook(root / "other.ipynb", ["z"])
    return directory


def _members(bundle: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(bundle) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _rewrite(bundle: Path, target: Path, change) -> Path:
    members = _members(bundle)
    change(members)
    with zipfile.ZipFile(target, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return target


@pytest.fixture
def exported(tmp_path, as_home):
    as_home("author")
    _author_directory(tmp_path / "author")
    bundle = tmp_path / "study.pllm"
    stated = export_notebook(tmp_path / "author" / "study.ipynb", bundle)
    as_home("colleague")
    return bundle, stated


def test_export_holds_exactly_the_notebooks_entries_and_no_secret(exported):
    bundle, stated = exported
    assert stated["counts"] == {"memos": 1, "calls": 2, "blobs": 2}
    assert stated["notebook"] == "study.ipynb" and len(stated["signer"]["fingerprint"]) == 32
    content = b"".join(_members(bundle).values())
    assert SECRET.encode() not in content
    manifest = json.loads(_members(bundle)["manifest.json"])
    assert [m["label"] for m in manifest["memos"]] == ["cell:a"]
    assert sorted(c["call_id"] for c in manifest["calls"]) == ["c1", "c2"]  # c2: cell b made it, unmemoized
    assert "pllm bundle of study.ipynb: 1 memo entries, 2 calls" in zipfile.ZipFile(bundle).comment.decode()


def test_cells_narrow_an_export(tmp_path, as_home):
    as_home("author")
    _author_directory(tmp_path)
    stated = export_notebook(tmp_path / "study.ipynb", tmp_path / "b.pllm", selection=ExportSelection(("b",)))
    assert stated["counts"] == {"memos": 0, "calls": 1, "blobs": 0}
    assert cli(["export", str(tmp_path / "study.ipynb"), "-o", str(tmp_path / "c.pllm"), "--cells", "7"]) == 1
    later = ExportSelection(since=parse_since("2999-01-01"))
    assert (
        export_notebook(tmp_path / "study.ipynb", tmp_path / "d.pllm", selection=later)["counts"]["memos"]
        == 0
    )


def test_a_pickled_secret_stops_the_export(tmp_path, as_home):
    as_home("author")
    directory = _author_directory(tmp_path)
    store = ResumeStore.open(directory)
    leaked = store.blobs.put(pickle.dumps({"client_key": SECRET}))
    payload = {"ops": [], "vars": {"values": {"client": leaked}}}
    store.put_memo(MemoRecord(key="k-b", kind="cell", label="cell:b", agent="", inputs={}, payload=payload))
    with pytest.raises(
        BundleError, match="memo entry cell:b stores a value holding what looks like a secret"
    ):
        export_notebook(tmp_path / "study.ipynb", tmp_path / "b.pllm")
    assert not (tmp_path / "b.pllm").exists()


def test_import_verifies_merges_and_never_replaces(exported, tmp_path, capsys):
    bundle, stated = exported
    target = tmp_path / "colleague" / ".pllm"
    report = import_bundle(bundle, target)
    assert (report.memos_added, report.calls_added, report.blobs_added) == (1, 2, 2)
    assert not report.trusted
    memo = ResumeStore.open(target).memo("k-a")
    assert memo is not None and memo.signer == stated["signer"]["fingerprint"]
    assert memo.mac.startswith(f"v2:{memo.signer}:")
    again = import_bundle(bundle, target)
    assert again.memos_added == 0 and again.already_present == 3

    # an entry the directory already has, with other content, is kept and reported
    mine = tmp_path / "mine" / ".pllm"
    store = ResumeStore.open(mine)
    store.put_memo(
        MemoRecord(key="k-a", kind="cell", label="cell:a", agent="", inputs={}, payload={"ops": []})
    )
    report = import_bundle(bundle, mine)
    assert report.conflicts == ["memo entry cell:a"]
    assert ResumeStore.open(mine).memo("k-a").payload == {"ops": []}

    assert cli(["import", str(bundle), "--dir", str(target)]) == 0
    shown = capsys.readouterr().out
    assert (
        f"fingerprint {stated['signer']['fingerprint']}" in shown and "holds 1 memo entries, 2 calls" in shown
    )
    assert cli(["info", str(target)]) == 0
    assert f"imported   1 from signer {stated['signer']['fingerprint']}" in capsys.readouterr().out


def _tamper_blob(members: dict[str, bytes]) -> None:
    name = next(n for n in members if n.startswith("blobs/"))
    members[name] = members[name][:-1] + b"!"


def _edit_manifest(members: dict[str, bytes]) -> None:
    members["manifest.json"] = members["manifest.json"].replace(b"forty-two", b"forty-one")


@pytest.mark.parametrize(
    ("change", "part"),
    [
        (_tamper_blob, "does not match its hash"),
        (_edit_manifest, "the signature failed"),
        (lambda m: m.update({"blobs/extra": b"x"}), "member blobs/extra is not listed"),
        (lambda m: m.pop("manifest.sig"), "has no manifest.json or manifest.sig"),
    ],
)
def test_a_tampered_bundle_is_refused_whole(exported, tmp_path, change, part):
    bundle, _ = exported
    bad = _rewrite(bundle, tmp_path / "bad.pllm", change)
    target = tmp_path / "target"
    with pytest.raises(BundleError, match=part):
        import_bundle(bad, target, trust=True)
    assert not target.exists()


def test_a_signed_bundle_carries_cell_entries_only(tmp_path, as_home):
    as_home("author")
    directory = _author_directory(tmp_path)
    store = ResumeStore.open(directory)
    store.put_memo(
        MemoRecord(key="k-b", kind="block", label="cell:b", agent="w", inputs={}, payload={"ops": []})
    )
    key = load_or_create_author_key()
    write_bundle(
        tmp_path / "b.pllm",
        notebook="x",
        memos=store.memos(),
        calls=[],
        blobs=store.blobs,
        key=key,
        author="a",
    )
    with pytest.raises(BundleError, match="memo entry cell:b is of kind 'block', not 'cell'"):
        open_bundle(tmp_path / "b.pllm")


def test_a_smuggled_pickle_never_runs_trusted_or_not(exported, tmp_path):
    bundle, _ = exported
    marker = tmp_path / "pwned"
    evil = pickle.dumps(Marker(marker))

    def swap(members: dict[str, bytes]) -> None:
        import hashlib

        manifest = json.loads(members["manifest.json"])
        old = next(d for d in manifest["blobs"] if members["blobs/" + d][:1] == b"\x80")
        new = hashlib.sha256(evil).hexdigest()
        members["blobs/" + new] = evil
        del members["blobs/" + old]
        text = members["manifest.json"].decode().replace(old, new)
        members["manifest.json"] = text.replace(
            f'"{new}":{manifest["blobs"][old]}', f'"{new}":{len(evil)}'
        ).encode()

    bad = _rewrite(bundle, tmp_path / "evil.pllm", swap)
    with pytest.raises(BundleError, match="the signature failed"):
        import_bundle(bad, tmp_path / "target", trust=True)
    assert not marker.exists() and not (tmp_path / "target").exists()


def test_untrusted_entries_never_unpickle(exported, tmp_path, monkeypatch):
    bundle, stated = exported
    target = tmp_path / "colleague" / ".pllm"
    import_bundle(bundle, target)
    memo = ResumeStore.open(target).memo("k-a")
    with (
        pllm.resume_directory(target, provider="openai-chat") as orch,  # no key: cannot run live
        pytest.raises(UntrustedEntryError, match="variable 'model' needs --trust to restore"),
    ):
        check_trust(memo, orch)
    with pllm.resume_directory(target, provider="offline") as orch:  # can run live: runs instead
        assert check_trust(memo, orch) == "variable 'model' needs --trust to restore"
        data_only = MemoRecord(
            **{
                **memo.__dict__,
                "payload": {**memo.payload, "vars": {"values": {"n": {"format": "json", "blob": "0" * 64}}}},
            }
        )
        assert check_trust(data_only, orch) == ""
        defines = MemoRecord(
            **{**data_only.__dict__, "payload": {"vars": {"definitions": {"f": "def f(): 1"}}}}
        )
        assert check_trust(defines, orch) == "definition 'f' needs --trust to restore"
        assert cli(["trust", stated["signer"]["fingerprint"]]) == 0
        assert check_trust(memo, orch) == ""


def test_copied_directory_names_repair_trust_and_never_asks_to_overwrite_a_key(tmp_path, as_home, caplog):
    as_home("author")
    original = _author_directory(tmp_path / "author")
    ResumeStore.open(original).flush()
    as_home("colleague")
    copy = tmp_path / "copy" / ".pllm"
    shutil.copytree(original, copy)
    store = ResumeStore.open(copy)
    assert store.memo("k-a") is None
    message = store.signer.refusal_message(store.refused_memos[0])
    assert f"pllm-notebook repair --trust {copy}" in message
    assert "copy" not in message.replace(f"{copy}", "").replace("copied", "")
    assert cli(["repair", "--trust", str(copy)]) == 0
    ResumeStore._instances.pop(copy.resolve())
    assert ResumeStore.open(copy).memo("k-a") is not None


def test_missing_cryptography_is_a_clear_error(tmp_path, as_home, monkeypatch):
    as_home("author")
    _author_directory(tmp_path)
    monkeypatch.setitem(sys.modules, "cryptography.hazmat.primitives.asymmetric", None)
    with pytest.raises(ConfigError, match=r"pip install 'pllm-notebook\[share\]'"):
        export_notebook(tmp_path / "study.ipynb", tmp_path / "b.pllm")
    assert not (tmp_path / "b.pllm").exists()


def test_a_key_is_needed_only_for_a_live_call(tmp_path, as_home, fake_openai, monkeypatch):
    as_home("author")
    options = {"provider": "openai-chat", "base_url": fake_openai.url, "max_retries": 0}
    monkeypatch.setenv("OPENAI_API_KEY", "pllmtestkey-0000000000")
    with pllm.resume_directory(tmp_path / ".pllm", **options) as orch:
        orch.agent("w").get_msg_state().ask_llm("stored question")
    monkeypatch.delenv("OPENAI_API_KEY")
    with pllm.resume_directory(tmp_path / ".pllm", **options) as orch:  # opens with no key
        conv = orch.agent("w").get_msg_state()
        assert conv.ask_llm("stored question").source == "memo"
        with orch.scope("cell:probe"), pytest.raises(MissingAPIKeyError) as raised:
            conv.ask_llm("a new question")
    assert "in cell:probe: the prompt 'a new question' has no stored answer" in str(raised.value)
    assert "OPENAI_API_KEY" in str(raised.value)
    assert fake_openai.count == 1
