"""``pllm-notebook import FILE``: check a signed bundle, then merge it into a resume directory.

Nothing is written until the whole bundle has verified (signature, then every blob's hash). The merge
only adds: blobs are content-addressed, and a call or memo entry the directory already has is kept as it
is; one whose content differs is reported as a conflict, never replaced. Imported memo entries are signed
with this machine's key and carry their author's fingerprint, so the trust list decides on each replay
whether they may unpickle variables.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BundleError, ConfigError
from .bundle import Bundle, open_bundle
from .records import CallRecord, MemoRecord
from .resume_store import ResumeStore
from .signing import TrustList

__all__ = ["ImportReport", "import_bundle"]


@dataclass
class ImportReport:
    """What an import added, what was already there, and what it refused to replace."""

    bundle: Bundle
    trusted: bool
    memos_added: int = 0
    calls_added: int = 0
    blobs_added: int = 0
    already_present: int = 0
    conflicts: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        b = self.bundle
        counts = b.manifest["counts"]
        out = [
            f"bundle {b.path} ({b.path.stat().st_size} bytes) of notebook {b.manifest['notebook']}, "
            f"made {b.manifest['created']}",
            f"  signed by {b.signer_name} (fingerprint {b.signer}): signature and all {counts['blobs']} "
            "blob hashes verified",
            f"  holds {counts['memos']} memo entries, {counts['calls']} calls, {counts['blobs']} blobs",
            f"  imported {self.memos_added} memo entries, {self.calls_added} calls, {self.blobs_added} new "
            f"blobs; {self.already_present} entries were already here",
        ]
        out += [f"  kept the existing entry (different content): {c}" for c in self.conflicts]
        if self.trusted:
            out.append("  this signer is trusted: its entries replay in full, pickled variables included")
        else:
            out.append(
                "  this signer is not trusted: its entries replay outputs, conversations and data values, "
                f"never pickles; trust it with `pllm-notebook trust {b.signer}` (or import with --trust)"
            )
        return out


def _same_memo(a: MemoRecord, b: MemoRecord) -> bool:
    return (a.kind, a.label, a.agent, a.inputs, a.payload) == (b.kind, b.label, b.agent, b.inputs, b.payload)


def _same_call(a: CallRecord, b: CallRecord) -> bool:
    return (a.resume_key, a.agent, a.model, a.response_text) == (
        b.resume_key,
        b.agent,
        b.model,
        b.response_text,
    )


def import_bundle(
    path: str | Path, directory: str | Path, *, trust: bool = False, trust_list: TrustList | None = None
) -> ImportReport:
    """Verify the bundle at ``path`` whole, then merge it into ``directory`` (see the module docstring)."""
    bundle = open_bundle(path)
    trust_list = trust_list or TrustList()
    trust_list.remember(bundle.signer, bundle.signer_name, trusted=trust)
    report = ImportReport(bundle, trust_list.is_trusted(bundle.signer))
    store = ResumeStore.open(directory)
    for digest, data in bundle.blobs():
        if not store.blobs.exists(digest):
            store.blobs.put(data)
            report.blobs_added += 1
    for call in bundle.calls:
        existing = store.call(call.call_id)
        if existing is None:
            store.put_call(call)
            report.calls_added += 1
        elif _same_call(existing, call):
            report.already_present += 1
        else:
            report.conflicts.append(f"call {call.call_id}")
    refused = {m.key for m in store.refused_memos}
    fresh = []
    for memo in bundle.memos:
        existing = store.memo(memo.key)
        if existing is not None and _same_memo(existing, memo):
            report.already_present += 1
        elif existing is not None or memo.key in refused:
            hint = f" (it fails its check here: `pllm-notebook repair --trust {store.directory}`)"
            report.conflicts.append(
                f"memo entry {memo.label or memo.key[:12]}" + (hint if existing is None else "")
            )
        else:
            memo.signer = bundle.signer
            fresh.append(memo)
    for n, memo in enumerate(fresh, 1):
        # queued after the calls, all in as few commits as the writer can: only the last one waits
        store.put_memo(memo, wait=n == len(fresh))
    report.memos_added = len(fresh)
    store.flush()
    return report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the bundle `pllm-notebook export` wrote")
    parser.add_argument("--dir", default=".pllm", help="the resume directory to merge into (default .pllm)")
    parser.add_argument(
        "--trust",
        action="store_true",
        help="trust the bundle's signer: its entries may then restore pickled variables",
    )


def run(args: argparse.Namespace) -> int:
    try:
        report = import_bundle(args.file, Path(args.dir).expanduser(), trust=args.trust)
    except (BundleError, ConfigError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print("\n".join(report.lines()))
    return 0
