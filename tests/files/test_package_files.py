"""An evidence package carries the files its events name; the verifier checks each against the hash
the event recorded."""
from __future__ import annotations

import hashlib
import json
import zipfile

from tests.audit.test_package import rewrite, verify
from tests.files.conftest import PDF, jpeg


def test_a_package_holds_the_attached_files_and_a_swapped_one_fails(world, tmp_path):
    pid = world.problem_at("U01")
    photo = jpeg(3, exif=True)
    shas = [world.upload(PDF, "协议.pdf")["sha256"], world.upload(photo, "现场.jpg")["sha256"]]
    world.post(f"/problems/{pid}/resolution", {"description": "已签订协议", "attachments": shas},
               who="rep1")
    out = tmp_path / "p.zip"
    r = world.app.test_cli_runner().invoke(args=["audit", "package", "--stream", f"problem:{pid}",
                                                 str(out)])
    assert r.exit_code == 0, r.output
    with zipfile.ZipFile(out) as zf:
        assert zf.read(f"attachments/{shas[0]}") == PDF
        assert zf.read(f"attachments/{shas[1]}") == photo
    good = verify(out)
    assert good.returncode == 0, good.stdout
    assert "2 个附件全部在包中" in good.stdout and "完整且未被篡改" in good.stdout

    def swap(name, data):  # another photo in its place, the manifest made to agree
        if name == f"attachments/{shas[1]}":
            return jpeg(4)
        if name == "manifest.json":
            m = json.loads(data)
            m["files"][f"attachments/{shas[1]}"] = hashlib.sha256(jpeg(4)).hexdigest()
            return json.dumps(m, ensure_ascii=False).encode()
        return data
    swapped = tmp_path / "swapped.zip"
    rewrite(out, swapped, swap)
    bad = verify(swapped)
    assert bad.returncode == 1 and "现场.jpg" in bad.stdout and "被替换" in bad.stdout
