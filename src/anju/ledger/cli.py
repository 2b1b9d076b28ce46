"""``anju ledger …``: compute and check Merkle roots and proofs offline (no database).

Exit status of the ``verify-*`` commands: 0 valid, 1 invalid, 2 bad usage (e.g. malformed hex).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from anju.ledger import merkle
from anju.ledger.verify import UsageError, check_head, parse_hash, parse_proof

ALGORITHM = click.option(
    "--algorithm",
    type=click.Choice(merkle.ALGORITHMS),
    default="sha256",
    show_default=True,
    help="Hash algorithm of the tree.",
)
LEAVES = click.option(
    "--leaves",
    "leaves_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="File with one hex-encoded leaf (its data, not its hash) per line; an empty line is an empty leaf.",
)


@click.group()
def ledger() -> None:
    """Verifiable log: Merkle roots, inclusion and consistency proofs, signed tree heads."""


def read_leaves(path: Path) -> list[bytes]:
    """One hex-encoded leaf per line; a final newline does not add a leaf."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.BadParameter("文件不是 UTF-8 文本", param_hint="--leaves") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    out = []
    for no, line in enumerate(lines, start=1):
        try:
            out.append(bytes.fromhex(line.strip()))
        except ValueError:
            raise click.BadParameter(f"第 {no} 行不是十六进制字符串：{line[:40]!r}", param_hint="--leaves") from None
    return out


def _leaf_hashes(path: Path, algorithm: str) -> list[bytes]:
    return [merkle.leaf_hash(d, algorithm) for d in read_leaves(path)]


def _bad(option: str, e: UsageError) -> click.BadParameter:
    return click.BadParameter(str(e).removeprefix(f"{option}："), param_hint=option)


def _hash(option: str, value: str) -> bytes:
    try:
        return parse_hash(option, value)
    except UsageError as e:
        raise _bad(option, e) from None


def _proof(value: str) -> list[bytes]:
    try:
        return parse_proof("--proof", value)
    except UsageError as e:
        raise _bad("--proof", e) from None


def _emit(obj: dict[str, Any]) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2))


def _verdict(reason: str | None, what: str) -> None:
    if reason is None:
        click.echo(f"有效（valid）：{what}")
        return
    click.echo(f"无效（invalid）：{reason}")
    sys.exit(1)


@ledger.command("root")
@ALGORITHM
@LEAVES
def root_cmd(algorithm: str, leaves_file: Path) -> None:
    """Print the Merkle tree hash (root) of the leaves, lowercase hex."""
    click.echo(merkle.root(_leaf_hashes(leaves_file, algorithm), algorithm).hex())


@ledger.command("prove-inclusion")
@ALGORITHM
@LEAVES
@click.option("--index", type=click.IntRange(min=0), required=True, help="0-based index of the leaf.")
@click.option("--size", type=click.IntRange(min=1), required=True, help="Size of the tree the proof is for.")
def prove_inclusion(algorithm: str, leaves_file: Path, index: int, size: int) -> None:
    """Print the inclusion proof (RFC 9162 §2.1.3.1) of one leaf as JSON."""
    hashes = _leaf_hashes(leaves_file, algorithm)
    if size > len(hashes):
        raise click.BadParameter(f"树的大小 {size} 超过文件中的叶子数 {len(hashes)}", param_hint="--size")
    if index >= size:
        raise click.BadParameter(f"叶子序号 {index} 必须小于树的大小 {size}", param_hint="--index")
    proof = merkle.inclusion_proof(hashes, index, size, algorithm)
    _emit(
        {
            "algorithm": algorithm,
            "index": index,
            "size": size,
            "leaf_hash": hashes[index].hex(),
            "root": merkle.root(hashes[:size], algorithm).hex(),
            "proof": [h.hex() for h in proof],
        }
    )


@ledger.command("prove-consistency")
@ALGORITHM
@LEAVES
@click.option("--old-size", type=click.IntRange(min=0), required=True, help="Size of the older tree.")
@click.option("--size", type=click.IntRange(min=0), required=True, help="Size of the newer tree.")
def prove_consistency(algorithm: str, leaves_file: Path, old_size: int, size: int) -> None:
    """Print the consistency proof (RFC 9162 §2.1.4.1) between two sizes as JSON."""
    hashes = _leaf_hashes(leaves_file, algorithm)
    if size > len(hashes):
        raise click.BadParameter(f"树的大小 {size} 超过文件中的叶子数 {len(hashes)}", param_hint="--size")
    if old_size > size:
        raise click.BadParameter(f"旧树的大小 {old_size} 不能大于新树的大小 {size}", param_hint="--old-size")
    proof = merkle.consistency_proof(hashes, old_size, size, algorithm)
    _emit(
        {
            "algorithm": algorithm,
            "old_size": old_size,
            "size": size,
            "old_root": merkle.root(hashes[:old_size], algorithm).hex(),
            "root": merkle.root(hashes[:size], algorithm).hex(),
            "proof": [h.hex() for h in proof],
        }
    )


@ledger.command("verify-inclusion")
@ALGORITHM
@click.option("--leaf-hash", required=True, help="Hash of the leaf (hex).")
@click.option("--index", type=int, required=True, help="0-based index of the leaf.")
@click.option("--size", type=int, required=True, help="Size of the tree.")
@click.option("--root", "root_hex", required=True, help="Root of the tree (hex).")
@click.option("--proof", "proof_csv", required=True, help='Comma-separated hex hashes, bottom-up; "" is empty.')
def verify_inclusion(algorithm: str, leaf_hash: str, index: int, size: int, root_hex: str, proof_csv: str) -> None:
    """Check an inclusion proof (RFC 9162 §2.1.3.2); exit 0 valid, 1 invalid."""
    leaf = _hash("--leaf-hash", leaf_hash)
    root = _hash("--root", root_hex)
    proof = _proof(proof_csv)
    reason = merkle.check_inclusion(leaf, index, size, proof, root, algorithm)
    _verdict(reason, f"叶子 {index} 包含在大小为 {size} 的树中")


@ledger.command("verify-consistency")
@ALGORITHM
@click.option("--old-size", type=int, required=True, help="Size of the older tree.")
@click.option("--size", type=int, required=True, help="Size of the newer tree.")
@click.option("--old-root", required=True, help="Root of the older tree (hex).")
@click.option("--root", "root_hex", required=True, help="Root of the newer tree (hex).")
@click.option("--proof", "proof_csv", required=True, help='Comma-separated hex hashes, bottom-up; "" is empty.')
def verify_consistency(algorithm: str, old_size: int, size: int, old_root: str, root_hex: str, proof_csv: str) -> None:
    """Check a consistency proof (RFC 9162 §2.1.4.2); exit 0 valid, 1 invalid."""
    old = _hash("--old-root", old_root)
    new = _hash("--root", root_hex)
    proof = _proof(proof_csv)
    reason = merkle.check_consistency(old_size, size, old, new, proof, algorithm)
    _verdict(reason, f"大小为 {size} 的树是大小为 {old_size} 的树的延续（只追加）")


@ledger.command("verify-head")
@click.option(
    "--head",
    "head_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Signed tree head as JSON (as served by GET /api/v1/ledger/{log}/head).",
)
@click.option("--public-key", required=True, help="The log's published Ed25519 public key (hex).")
def verify_head(head_file: Path, public_key: str) -> None:
    """Check the signature of a signed tree head; exit 0 valid, 1 invalid."""
    try:
        key = bytes.fromhex(public_key.strip())
    except ValueError:
        raise click.BadParameter("不是十六进制字符串", param_hint="--public-key") from None
    if len(key) != 32:
        raise click.BadParameter(f"Ed25519 公钥应为 32 字节，实为 {len(key)} 字节", param_hint="--public-key")
    try:
        head = json.loads(head_file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise click.BadParameter(f"无法读取树头 JSON：{e}", param_hint="--head") from None
    if not isinstance(head, dict):
        raise click.BadParameter("树头必须是 JSON 对象", param_hint="--head")
    _verdict(check_head(head, key.hex()), f"日志 {head.get('log')} 大小 {head.get('size')} 的树头签名正确")


@ledger.command("keygen")
def keygen() -> None:
    """Print a new Ed25519 signing key (seed, for ANJU_LEDGER_SIGNING_KEY) and its public key."""
    from anju.ledger.heads import Ed25519Signer

    seed, signer = Ed25519Signer.generate()
    _emit({"signing_key": seed, "public_key": signer.public_key_hex})
    click.echo("请将 signing_key 设为 ANJU_LEDGER_SIGNING_KEY 并妥善保密；public_key 应公开发布。", err=True)


def trusted_public_key(public_key: str | None) -> str | None:
    """The public key to check heads with: ``--public-key``, else that of the configured signing key
    (``ANJU_LEDGER_SIGNING_KEY``, or the development data folder's), else None."""
    if public_key is not None:
        try:
            key = bytes.fromhex(public_key.strip())
        except ValueError:
            raise click.BadParameter("不是十六进制字符串", param_hint="--public-key") from None
        if len(key) != 32:
            raise click.BadParameter(f"Ed25519 公钥应为 32 字节，实为 {len(key)} 字节", param_hint="--public-key")
        return key.hex()
    from anju.core import runtime
    from anju.ledger.heads import published_key
    from anju.security import ledger_signing_seed

    return published_key(ledger_signing_seed(runtime.settings()))


@ledger.command("check")
@click.argument("log")
@click.option(
    "--public-key",
    default=None,
    help="The log's published Ed25519 public key (hex); default: that of the configured signing key.",
)
def check_cmd(log: str, public_key: str | None) -> None:
    """Check a stored log end to end: every leaf hash from its data, every stored subtree from the
    leaves, every recorded head's root, and the heads' signatures. Exit 0 intact, 1 not."""
    key = trusted_public_key(public_key)
    from anju.core import runtime
    from anju.core.errors import NotFound
    from anju.ledger.check import check_log

    with runtime.engine().connect() as conn:
        try:
            report = check_log(conn, log, key)
        except NotFound as e:
            raise click.BadParameter(e.message, param_hint="LOG") from None
    for line in report.lines():
        click.echo(line, err=True)
    _emit(report.as_dict())
    if not report.ok:
        raise SystemExit(1)
    click.echo(
        f"日志 {log} 完整：{report.leaves_checked} 条记录、{report.nodes_checked} 个子树哈希、"
        f"{report.heads_checked} 个树头均一致",
        err=True,
    )
