"""SQLite's write-ahead log stays bounded while connections stay open."""
import os

from sqlalchemy import text

from app import db


def test_the_wal_is_cut_back_once_a_long_reader_lets_go(tmp_path, monkeypatch):
    monkeypatch.setattr(db, "WAL_SIZE_LIMIT", 256 * 1024)
    path = tmp_path / "wal.sqlite3"
    engine = db.make_engine(f"sqlite:///{path}")
    wal = path.with_name(path.name + "-wal")
    blob = os.urandom(64 * 1024)

    def write(n: int) -> None:
        for _ in range(n):
            with engine.begin() as c:
                c.execute(text("INSERT INTO t VALUES (:b)"), {"b": blob})
    try:
        with engine.begin() as c:
            c.execute(text("CREATE TABLE t (b BLOB)"))
        with engine.connect() as reader:  # a long read keeps checkpoints from emptying the log
            reader.execute(text("SELECT count(*) FROM t")).scalar()
            write(150)
            assert wal.stat().st_size > 8 * 1024 * 1024
        write(80)  # the next checkpoints empty the log; writing starts again at its beginning
        assert wal.stat().st_size <= 5 * 1024 * 1024
    finally:
        engine.dispose()
