"""A backup is the database and the blob directory: restored into a fresh install, it verifies."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app

from .conftest import API, PDF, jpeg


def _backup_database(url: str, tmp_path) -> str:
    """Copy the database as the README says; the URL of the copy."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        target = tmp_path / "restored.sqlite3"
        src, dst = sqlite3.connect(u.database), sqlite3.connect(target)
        with dst:
            src.backup(dst)  # a consistent copy while the app may be writing
        src.close(), dst.close()
        return f"sqlite:///{target}"
    plain = u.set(drivername="postgresql").render_as_string(hide_password=False)
    dump = subprocess.run(["pg_dump", "--no-owner", "--format=plain", plain], check=True,
                          capture_output=True).stdout
    name = f"duban_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    restored = u.set(database=name)
    subprocess.run(["psql", "--quiet", "--set=ON_ERROR_STOP=1",
                    restored.set(drivername="postgresql").render_as_string(hide_password=False)],
                   input=dump, check=True, capture_output=True)
    return restored.render_as_string(hide_password=False)


def _drop(url: str) -> None:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        return
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
    admin.dispose()


def test_database_and_blobs_restored_into_a_fresh_install_verify(world, database_url, tmp_path, clock):
    pid = world.problem_at("U01")
    files = [world.upload(PDF, "协议.pdf")] + [world.upload(jpeg(i), f"现场{i}.jpg") for i in range(3)]
    world.post(f"/problems/{pid}/resolution",
               {"description": "已解决", "attachments": [f["sha256"] for f in files]}, who="rep1")

    url = _backup_database(database_url, tmp_path)
    blobs = tmp_path / "restored-blobs"
    shutil.copytree(world.app.config["BLOB_DIR"], blobs)
    try:
        fresh = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "test-secret",
                            "CLOCK": clock, "BLOB_DIR": str(blobs)})
        runner = fresh.test_cli_runner()
        with fresh.app_context():  # init-db, as run from the command line
            assert runner.invoke(args=["init-db"]).exit_code == 0
        out = runner.invoke(args=["audit", "verify"])
        assert out.exit_code == 0 and "已校验附件 4 个，异常 0 个" in out.output, out.output
        client = fresh.test_client()
        token = client.post(API + "/auth/token", json={"username": "insp", "password": "secret123"})
        h = {"Authorization": "Bearer " + token.get_json()["token"]}
        report = client.get(API + "/audit/verify", headers=h).get_json()
        assert report["ok"] and report["files_checked"] == 4
        assert client.get(f"{API}/attachments/{files[0]['sha256']}", headers=h).data == PDF
        # a backup without the blob directory is found wanting, file by file
        shutil.rmtree(blobs)
        report = client.get(API + "/audit/verify", headers=h).get_json()
        assert not report["ok"] and len(report["bad_files"]) == 4
        fresh.extensions["duban"].engine.dispose()
    finally:
        _drop(url)
