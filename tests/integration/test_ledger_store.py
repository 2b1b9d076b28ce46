"""The stored log on SQLite and PostgreSQL: appends, roots, proofs equal to the pure ones, heads, errors."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Connection, Engine, func, select

from anju import ledger
from anju.core.errors import AnjuError, Conflict, NotFound, ValidationError
from anju.ledger import merkle, verify
from anju.ledger.tables import heads, leaves, nodes

SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"  # RFC 8032 test 1 secret key


def entries(n: int, start: int = 0) -> list[bytes]:
    return [f"租赁合同备案 #{i}".encode() for i in range(start, start + n)]


def test_create_log_checks_name_and_algorithm(empty_engine: Engine):
    with empty_engine.begin() as c:
        log = ledger.create_log(c, "complaints")
        assert (log.name, log.algorithm, log.size) == ("complaints", "sha256", 0)
        assert ledger.create_log(c, "repairs", "sm3").algorithm == "sm3"
        with pytest.raises(ValidationError) as e:
            ledger.create_log(c, "Complaints Log")
        assert e.value.errors[0].field == "name"
        with pytest.raises(ValidationError) as e:
            ledger.create_log(c, "escrow", "md5")
        assert e.value.errors[0].field == "algorithm"
        with pytest.raises(Conflict):
            ledger.create_log(c, "complaints")
        assert [lg.name for lg in ledger.list_logs(c)] == [
            "assistance",
            "complaints",
            "credit",
            "estates",  # created by migration 0035
            "exchange",  # created by migration 0028
            "funds",  # created by migration 0019
            "maintenance_fund",  # created by migration 0035
            "rental",
            "repairs",
        ]


@pytest.mark.parametrize("algorithm", ["sha256", "sm3"])
def test_stored_proofs_equal_the_pure_proofs_for_every_size(empty_engine: Engine, algorithm: str):
    data = entries(45)
    hashes = [merkle.leaf_hash(d, algorithm) for d in data]
    with empty_engine.begin() as c:
        ledger.create_log(c, "escrow", algorithm)
    done = 0
    for batch in (1, 2, 3, 5, 8, 13, 13):  # uneven batches: frontiers of every shape
        with empty_engine.begin() as c:
            assert ledger.append(c, "escrow", data[done : done + batch]) == done
        done += batch
    rng = random.Random(5)
    with empty_engine.connect() as c:
        assert ledger.get_log(c, "escrow").size == 45
        # one row per complete subtree of level ≥ 1, whatever the batches were
        assert c.execute(select(func.count()).select_from(nodes)).scalar_one() == 45 - bin(45).count("1")
        for size in range(0, 46):
            head = ledger.tree_head(c, "escrow", size)
            assert head.root == merkle.root(hashes[:size], algorithm).hex()
            for index in {0, size // 2, size - 1, rng.randrange(size)} if size else set():
                p = ledger.inclusion_proof(c, "escrow", index, size)
                assert p.proof == merkle.inclusion_proof(hashes, index, size, algorithm)
                assert p.leaf_hash == hashes[index]
                assert merkle.verify_inclusion(p.leaf_hash, index, size, p.proof, p.root, algorithm)
            for old in {0, 1, size // 2, size - 1, rng.randint(0, size), size} - {-1}:
                if old > size:
                    continue
                q = ledger.consistency_proof(c, "escrow", old, size)
                assert q.proof == merkle.consistency_proof(hashes, old, size, algorithm)
                assert q.old_root == merkle.root(hashes[:old], algorithm)
                assert merkle.verify_consistency(old, size, q.old_root, q.root, q.proof, algorithm)
        e = ledger.entry(c, "escrow", 44)
        assert (e.data, e.leaf_hash) == (data[44], hashes[44])


def test_appends_keep_the_frontier_on_the_log_row_and_fall_back_when_it_does_not_match(empty_engine: Engine):
    from anju.ledger.tables import logs

    data = entries(200)
    hashes = [merkle.leaf_hash(d) for d in data]
    with empty_engine.begin() as c:
        ledger.create_log(c, "escrow")
    done = 0
    kept: dict[int, bytes] = {}
    for batch in (1, 1, 2, 3, 70, 1, 5, 100, 17):  # small appends INSERT, the batch of 100 COPYs
        with empty_engine.begin() as c:
            assert ledger.append(c, "escrow", data[done : done + batch]) == done
        done += batch
        with empty_engine.connect() as c:
            row = c.execute(select(logs.c.frontier, logs.c.frontier_size).where(logs.c.name == "escrow")).one()
            pieces = merkle.subtrees(0, done)
            assert row.frontier_size == done
            kept[done] = bytes(row.frontier)
            # the kept frontier is the stored subtrees' hashes, largest first
            assert bytes(row.frontier) == b"".join(merkle.root(hashes[i << lv : (i + 1) << lv]) for lv, i in pieces)
            assert ledger.tree_head(c, "escrow").root == merkle.root(hashes[:done]).hex()
        if done == 7:  # a stale or damaged frontier is not trusted: the append folds stored subtrees
            with empty_engine.begin() as c:
                c.execute(logs.update().where(logs.c.name == "escrow").values(frontier=b"x" * 31, frontier_size=7))
        if done == 77:
            with empty_engine.begin() as c:
                c.execute(logs.update().where(logs.c.name == "escrow").values(frontier=None, frontier_size=None))
        if done == 78:  # the frontier of another size, as four hashes like 78's own
            with empty_engine.begin() as c:
                c.execute(logs.update().where(logs.c.name == "escrow").values(frontier=kept[77], frontier_size=77))
    # an append rolled back leaves the row (size and frontier) as it was
    with pytest.raises(RuntimeError), empty_engine.begin() as c:
        ledger.append(c, "escrow", [b"rolled back"])
        raise RuntimeError("crash after the append")
    with empty_engine.begin() as c:
        assert ledger.append(c, "escrow", [b"next"]) == done
    hashes.append(merkle.leaf_hash(b"next"))
    with empty_engine.connect() as c:
        assert ledger.tree_head(c, "escrow").root == merkle.root(hashes[: done + 1]).hex()
        p = ledger.inclusion_proof(c, "escrow", done)
        assert merkle.verify_inclusion(p.leaf_hash, done, done + 1, p.proof, p.root)


def test_a_proof_is_a_handful_of_point_lookups_at_any_size(empty_engine: Engine):
    """Proof cost does not grow with the log: exactly two statements (the log, then its subtrees)."""
    from sqlalchemy import event

    with empty_engine.begin() as c:
        ledger.create_log(c, "fines")
        ledger.append(c, "fines", entries(1000))
    statements: list[str] = []
    # transaction control (SQLite's BEGIN) is not a query
    event.listen(empty_engine, "before_cursor_execute", lambda *a: statements.extend([a[2]] if a[2] != "BEGIN" else []))
    with empty_engine.connect() as c:
        p = ledger.inclusion_proof(c, "fines", 777, 1000)
        assert len(statements) == 2
        q = ledger.consistency_proof(c, "fines", 333, 1000)
        assert len(statements) == 4
    hashes = [merkle.leaf_hash(d) for d in entries(1000)]
    assert p.proof == merkle.inclusion_proof(hashes, 777, 1000)
    assert q.proof == merkle.consistency_proof(hashes, 333, 1000)


def test_many_proofs_and_entries_are_read_set_wise(empty_engine: Engine):
    """inclusion_proofs / entries: the same proofs and entries as one at a time, in the order asked,
    with one subtree query per MANY_CHUNK leaves (plus the log's row), whatever their number."""
    from sqlalchemy import event

    from anju.ledger import services

    data = entries(1000)
    with empty_engine.begin() as c:
        ledger.create_log(c, "fines")
        ledger.append(c, "fines", data)
    hashes = [merkle.leaf_hash(d) for d in data]
    asked = [777, 3, 999, 0, 512, 3, *range(100, 400)]  # 306 leaves, one twice: two chunks
    statements: list[str] = []
    event.listen(empty_engine, "before_cursor_execute", lambda *a: statements.extend([a[2]] if a[2] != "BEGIN" else []))
    with empty_engine.connect() as c:
        ps = ledger.inclusion_proofs(c, "fines", asked, 900 + 100)
        assert len(statements) == 1 + -(-len(asked) // services.MANY_CHUNK)
        statements.clear()
        es = ledger.entries(c, "fines", asked)
        assert len(statements) == 1 + -(-len(set(asked)) // services.MANY_CHUNK)
        assert ledger.inclusion_proofs(c, "fines", []) == [] and ledger.entries(c, "fines", []) == []
        with pytest.raises(ValidationError) as e:
            ledger.inclusion_proofs(c, "fines", [5, 1000])
        assert e.value.errors[0].field == "indexes[1]"
        with pytest.raises(NotFound):
            ledger.entries(c, "fines", [5, 1000])
    root = merkle.root(hashes)
    for i, p, en in zip(asked, ps, es, strict=True):
        assert (p.index, p.size, p.leaf_hash, p.root) == (i, 1000, hashes[i], root)
        assert p.proof == merkle.inclusion_proof(hashes, i, 1000)
        assert (en.index, en.data, en.leaf_hash) == (i, data[i], hashes[i])


def test_bad_requests_name_the_field(empty_engine: Engine):
    with empty_engine.begin() as c:
        ledger.create_log(c, "fines")
        ledger.append(c, "fines", entries(5))
    with empty_engine.connect() as c:
        cases = [
            (lambda: ledger.inclusion_proof(c, "fines", 5, 5), "index"),
            (lambda: ledger.inclusion_proof(c, "fines", -1), "index"),
            (lambda: ledger.inclusion_proof(c, "fines", 0, 6), "size"),
            (lambda: ledger.consistency_proof(c, "fines", 4, 3), "old_size"),
            (lambda: ledger.consistency_proof(c, "fines", 1, 9), "size"),
            (lambda: ledger.tree_head(c, "fines", 6), "size"),
        ]
        for call, field in cases:
            with pytest.raises(ValidationError) as e:
                call()
            assert e.value.errors[0].field == field
            assert e.value.errors[0].reason  # a Chinese reason, not empty
        for call in (
            lambda: ledger.inclusion_proof(c, "nope", 0),
            lambda: ledger.tree_head(c, "nope"),
            lambda: ledger.entry(c, "fines", 5),
        ):
            with pytest.raises(NotFound):
                call()
    with empty_engine.begin() as c, pytest.raises(NotFound):
        ledger.append(c, "nope", entries(1))


def test_a_refused_batch_writes_nothing(empty_engine: Engine):
    with empty_engine.begin() as c:
        ledger.create_log(c, "fines")
        ledger.append(c, "fines", entries(3))
    too_big = b"x" * ((1 << 20) + 1)
    with pytest.raises(ValidationError) as e, empty_engine.begin() as c:
        ledger.append(c, "fines", [*entries(2), too_big])
    assert e.value.errors[0].field == "entries[2]"
    with pytest.raises(ValidationError), empty_engine.begin() as c:
        ledger.append(c, "fines", [])
    with empty_engine.connect() as c:
        assert ledger.get_log(c, "fines").size == 3
        assert c.execute(select(func.count()).select_from(leaves)).scalar_one() == 3


def test_concurrent_appenders_never_share_an_index(empty_engine: Engine):
    with empty_engine.begin() as c:
        ledger.create_log(c, "fines")
    firsts: list[tuple[int, int]] = []
    errors: list[BaseException] = []

    def worker(w: int) -> None:
        try:
            for k in range(5):
                batch = [f"w{w}-b{k}-{i}".encode() for i in range(7)]
                with empty_engine.begin() as c:
                    firsts.append((ledger.append(c, "fines", batch), w))
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(f for f, _ in firsts) == list(range(0, 140, 7))
    with empty_engine.connect() as c:
        rows = c.execute(select(leaves.c.leaf_index, leaves.c.data).order_by(leaves.c.leaf_index)).all()
        assert [r[0] for r in rows] == list(range(140))
        # each batch landed contiguously, in order
        for first, _ in firsts:
            block = [bytes(r[1]).decode() for r in rows[first : first + 7]]
            assert len({b.rsplit("-", 1)[0] for b in block}) == 1
            assert [int(b.rsplit("-", 1)[1]) for b in block] == list(range(7))
        hashes = [merkle.leaf_hash(bytes(r[1])) for r in rows]
        assert ledger.tree_head(c, "fines").root == merkle.root(hashes).hex()
        assert c.execute(select(func.count()).select_from(nodes)).scalar_one() == 140 - bin(140).count("1")


def test_signed_heads_are_recorded_reused_and_verifiable(empty_engine: Engine):
    signer = ledger.signer_from_seed(SEED)
    assert signer.public_key_hex == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"  # RFC 8032
    with empty_engine.begin() as c:
        ledger.create_log(c, "fines")
        ledger.append(c, "fines", entries(10))
        first = ledger.current_signed_head(c, "fines", signer)
        assert ledger.current_signed_head(c, "fines", signer) == first  # unchanged log: same head
        ledger.append(c, "fines", entries(3, 10))
        second = ledger.current_signed_head(c, "fines", signer)
        assert c.execute(select(func.count()).select_from(heads)).scalar_one() == 2
    assert (first.head.size, second.head.size) == (10, 13)
    hashes = [merkle.leaf_hash(d) for d in entries(13)]
    assert second.head.root == merkle.root(hashes).hex()
    published = second.as_dict()
    assert published["timestamp"].endswith("+00:00")
    assert verify.verify_head(published, signer.public_key_hex)
    assert not verify.verify_head(published | {"root": first.head.root}, signer.public_key_hex)
    assert not verify.verify_head(published, ledger.Ed25519Signer.generate()[1].public_key_hex)
    with empty_engine.connect() as c:
        stored = ledger.latest_signed_head(c, "fines")
    assert stored is not None
    assert verify.verify_head(stored.as_dict(), signer.public_key_hex)  # round-trips through the database
    # the two heads are consistent: the log only grew
    with empty_engine.connect() as c:
        q = ledger.consistency_proof(c, "fines", 10, 13)
    assert merkle.verify_consistency(10, 13, bytes.fromhex(first.head.root), bytes.fromhex(second.head.root), q.proof)


def test_signing_without_a_key_names_the_setting():
    with pytest.raises(AnjuError, match="ANJU_LEDGER_SIGNING_KEY"):
        ledger.signer_from_seed(None)
    with pytest.raises(AnjuError, match="ANJU_LEDGER_SIGNING_KEY"):
        ledger.signer_from_seed("abcd")


def test_subtree_lookup_has_one_text_and_after_bulk_load_keeps_proofs(empty_engine: Engine):
    """On PostgreSQL every proof sends the same look-up text (so psycopg prepares it once per
    connection) and ``after_bulk_load`` vacuums and analyses the tables; on both, proofs after it
    are still the pure ones."""
    from sqlalchemy import event, text

    n = 300
    with empty_engine.begin() as c:
        ledger.create_log(c, "fines")
        ledger.append(c, "fines", entries(n))
    ledger.after_bulk_load(empty_engine)
    statements: list[str] = []
    # transaction control (SQLite's BEGIN) is not a query
    event.listen(empty_engine, "before_cursor_execute", lambda *a: statements.extend([a[2]] if a[2] != "BEGIN" else []))
    hashes = [merkle.leaf_hash(d) for d in entries(n)]
    with empty_engine.connect() as c:
        for i in (0, 1, 2, 150, 255, 256, 299):
            assert ledger.inclusion_proof(c, "fines", i, n).proof == merkle.inclusion_proof(hashes, i, n)
        for m in (1, 3, 7, 64, 256, 299, 300):
            assert ledger.consistency_proof(c, "fines", m, n).proof == merkle.consistency_proof(hashes, m, n)
        if empty_engine.dialect.name == "postgresql":
            assert len({s for s in statements if "ledger_nodes" in s}) == 1
            vacuumed = c.execute(
                text(
                    "SELECT relname FROM pg_stat_user_tables WHERE relname IN ('ledger_leaves', 'ledger_nodes') "
                    "AND last_vacuum IS NOT NULL AND last_analyze IS NOT NULL"
                )
            ).scalars()
            assert sorted(vacuumed) == ["ledger_leaves", "ledger_nodes"]


_Answer = tuple[int, int | None]  # (first index, the size a job read)


def test_a_group_commit_appends_its_jobs_entries_as_one_batch_and_drops_a_failed_jobs(empty_engine: Engine):
    """Jobs of one group commit append as one batch at the end of the transaction; a job that fails
    (first try: the group runs again with savepoints) leaves no entry and no gap; a job that reads the
    log sees its own staged entries."""
    from anju.core.db import GroupCommit, UnitOfWork

    with empty_engine.begin() as c:
        ledger.create_log(c, "escrow")
        ledger.append(c, "escrow", entries(3))  # an ordinary append first: the group extends it
    group = GroupCommit(UnitOfWork(empty_engine))
    started, go = threading.Event(), threading.Event()

    def blocker(c: Connection) -> int:
        started.set()
        assert go.wait(10)
        return -1

    def job(batch: list[bytes], fail: bool = False, read: bool = False) -> Callable[[Connection], _Answer]:
        def work(c: Connection) -> _Answer:
            first = ledger.append(c, "escrow", batch)
            if fail:
                raise ValueError("refused after appending")
            return first, ledger.get_log(c, "escrow").size if read else None

        return work

    held = group.submit(blocker)
    assert started.wait(10)
    batches = [entries(n, 100 * (i + 1)) for i, n in enumerate((2, 1, 3, 1, 2, 2, 1))]
    futures = [
        group.submit(job(batches[0])),
        group.submit(job(batches[1], fail=True)),  # fails the first pass: the rest run in savepoints
        group.submit(job(batches[2], read=True)),  # its read writes what is staged so far
        group.submit(job(batches[3], fail=True)),  # fails first in a new staged batch
        group.submit(job(batches[4])),
        group.submit(job(batches[5], fail=True)),  # fails after job 4 staged in the same batch
        group.submit(job(batches[6])),
    ]
    go.set()
    assert held.result(10) == -1
    assert futures[0].result(10) == (3, None)
    assert futures[2].result(10) == (5, 8)  # right after the first job's entries; it sees its own
    assert futures[4].result(10) == (8, None)
    assert futures[6].result(10) == (10, None)  # job 5's two entries left no gap
    for f in (futures[1], futures[3], futures[5]):
        with pytest.raises(ValueError):
            f.result(10)
    kept = entries(3) + batches[0] + batches[2] + batches[4] + batches[6]
    hashes = [merkle.leaf_hash(d) for d in kept]
    n = len(kept)
    with empty_engine.connect() as c:
        assert ledger.get_log(c, "escrow").size == n == 11
        assert ledger.tree_head(c, "escrow").root == merkle.root(hashes).hex()
        assert [ledger.entry(c, "escrow", i).data for i in range(n)] == kept
        for i in range(n):
            p = ledger.inclusion_proof(c, "escrow", i)
            assert merkle.verify_inclusion(p.leaf_hash, i, n, p.proof, p.root)
    with empty_engine.begin() as c:  # and an ordinary append goes on from the group's frontier
        assert ledger.append(c, "escrow", [b"after"]) == n
    with empty_engine.connect() as c:
        assert ledger.tree_head(c, "escrow").root == merkle.root([*hashes, merkle.leaf_hash(b"after")]).hex()
