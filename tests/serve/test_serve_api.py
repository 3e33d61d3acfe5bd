"""The HTTP API with FastAPI's TestClient: frames, walks, uploads, exports, and every bad request
answered 4xx with one line while the server keeps serving."""

from __future__ import annotations

import io
import json
import socket
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

pytest.importorskip("fastapi", reason="the server is the [serve] extra: pip install -e '.[serve]'")
from fastapi.testclient import TestClient
from serve_tools import pixels, png_bytes

from latentwalk.cli import app
from latentwalk.errors import InvalidParameterError
from latentwalk.serve import create_app

FRAME = {"model": "tiny-vae", "from": "digits:3", "to": "digits:8", "method": "slerp", "t": "0.37"}


def frame(client: TestClient, **changes: Any) -> Any:
    return client.get("/api/frame", params={**FRAME, **changes})


def walk(client: TestClient, **changes: Any) -> Any:
    body = {"model": "tiny-vae", "from": "digits:3", "to": "digits:8", "methods": ["crossfade", "slerp"], "steps": 5}
    return client.post("/api/walk", json={**body, **changes})


def refused(r: Any, status: int, words: str) -> None:
    """A 4xx answer whose body is exactly {"error": one line} holding `words`."""
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert list(body) == ["error"] and "\n" not in body["error"] and "Traceback" not in body["error"]
    assert words in body["error"], body["error"]


def test_models_lists_the_served_models_and_what_they_take(client: TestClient) -> None:
    cat = client.get("/api/models").json()
    names = {m["name"]: m for m in cat["models"]}
    assert names["tiny-vae"]["modality"] == "image" and names["tiny-vae"]["format"] == "png"
    assert names["tiny-tones"]["modality"] == "audio" and names["tiny-tones"]["format"] == "wav"
    assert names["tiny-vae"]["examples"][:2] == ["digits:3", "digits:8"]
    methods = {m["name"]: m for m in cat["methods"]}
    assert methods["slerp"]["frame"] and not methods["geodesic"]["frame"] and methods["crossfade"]["space"] == "data"
    assert cat["upload_limit"] == 10_000_000 and "atvec" in cat["direction_kinds"]


def test_a_frame_is_the_png_of_the_decoded_code_and_is_kept(client: TestClient, web: Any) -> None:
    session = web.state.session
    r = frame(client, t="0.123")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert pixels(r.content).shape == (16, 16)
    hits = session.frames.hits
    again = frame(client, t="0.1234")  # t is kept to 1/1000: the same frame, from the cache
    assert again.content == r.content and session.frames.hits == hits + 1
    assert frame(client, t="0.9").content != r.content


def test_frames_at_t_are_the_walks_frames(client: TestClient) -> None:
    w = walk(client, methods=["crossfade", "lerp", "slerp"]).json()
    for method in ("crossfade", "lerp", "slerp"):
        info = w["methods"][method]
        for i in (0, 2, 4):
            shown = pixels(frame(client, method=method, t=f"{info['ts'][i]:.3f}").content).astype(int)
            stepped = pixels(client.get(info["frames"][i]).content).astype(int)
            assert np.abs(shown - stepped).max() <= 1, (method, i)  # the same code; rounding of the last bit at most


def test_via_and_schedules(client: TestClient) -> None:
    plain, eased = frame(client, t="0.25"), frame(client, t="0.25", schedule="ease-in-out")
    assert plain.content != eased.content  # the warp moves t = 0.25 toward A
    assert frame(client, t="0.5").content == frame(client, t="0.5", schedule="ease-in-out").content  # w(0.5) = 0.5
    via = client.get("/api/frame", params={**FRAME, "via": "digits:5", "t": "0.5"})
    five = client.get("/api/frame", params={**FRAME, "from": "digits:5", "t": "0"})
    assert via.status_code == 200 and via.content == five.content  # t = 0.5 of A -> 5 -> B is the keyframe 5


@pytest.mark.parametrize(("changes", "status", "words"), [
    ({"model": "nope"}, 400, "Unknown served model 'nope'"),
    ({"method": "slerpp"}, 400, "Did you mean 'slerp'?"),
    ({"method": "geodesic"}, 400, "no frame at a single t"),
    ({"t": "nan"}, 400, "The 't' parameter of frame must be a float in the range [0, 1]. Got nan instead."),
    ({"t": "2"}, 400, "Got 2.0 instead"),
    ({"t": "-0.5"}, 400, "in the range [0, 1]"),
    ({"t": "inf"}, 400, "Got inf instead"),
    ({"t": "abc"}, 400, "Got 'abc' instead"),
    ({"t": ["0.1", "0.2"]}, 400, "given 2 times"),
    ({"schedule": "even"}, 400, "places a walk's frames by their decoded change"),
    ({"schedule": "bouncy"}, 400, "Unknown t-schedule 'bouncy'"),
    ({"format": "gif"}, 400, "The 'format' parameter of frame"),
    ({"format": "wav"}, 400, "image model"),
    ({"from": "../../etc/passwd"}, 400, "file paths are never read"),
    ({"from": "/etc/passwd"}, 400, "file paths are never read"),
    ({"to": "..\\secret.png"}, 400, "file paths are never read"),
    ({"from": "digits:../../etc/passwd"}, 400, "is not an item"),
    ({"from": "setup.py"}, 400, "is not an item this server knows"),
    ({"from": "digits:99999"}, 400, "out of range"),
    ({"from": "lines:angle=1"}, 400, "has shape (1, 32, 32) but the model takes (1, 16, 16)"),
    ({"from": "upload:0123456789abcdef"}, 404, "not an upload this server holds"),
    ({"from": "upload:../../x"}, 400, "file paths are never read"),
    ({"from": "upload:xyz"}, 400, "is not an upload id"),
    ({"dir": "atvec:label=3"}, 400, "one 'alpha' per 'dir'"),
    ({"dir": "atvec:label=3", "alpha": "100"}, 400, "The 'alpha' parameter of frame"),
    ({"dir": "atvec:nothing", "alpha": "1"}, 400, "is not a direction of 'tiny-vae'"),
    ({"dir": "sideways:x", "alpha": "1"}, 400, "Unknown direction kind 'sideways'"),
    ({"tt": "0.5"}, 400, "/api/frame has no parameter 'tt'"),
    ({"from": "x" * 5000}, 400, "is not an item this server knows"),
])
def test_bad_frame_requests_get_one_line_and_the_server_keeps_serving(client: TestClient, changes: dict[str, Any],
                                                                      status: int, words: str) -> None:
    refused(frame(client, **changes), status, words)
    assert frame(client).status_code == 200


def test_missing_parameters_and_unknown_pages(client: TestClient) -> None:
    refused(client.get("/api/frame", params={"model": "tiny-vae"}), 400, "needs the 'from' parameter")
    refused(client.get("/api/nothing"), 404, "Nothing at /api/nothing")
    refused(client.post("/api/frame"), 405, "POST is not allowed")
    refused(client.get("/static/../../etc/passwd"), 404, "")
    refused(client.get("/static/secret.txt"), 404, "No static file")


def test_a_walk_has_metrics_profiles_and_frame_urls(client: TestClient) -> None:
    r = walk(client)
    assert r.status_code == 200
    w = r.json()
    assert len(w["id"]) == 16 and w["items"] == ["digits:3", "digits:8"]
    slerp = w["methods"]["slerp"]
    assert len(slerp["ts"]) == 5 and len(slerp["frames"]) == 5 and slerp["sound"] is None
    assert set(slerp["profiles"]) == {"step", "realism", "norm"} and len(slerp["profiles"]["step"]) == 4
    assert 0 < slerp["metrics"]["smoothness"]["evenness"] <= 1
    assert "norm" not in w["methods"]["crossfade"]["profiles"]  # a data-space walk has no codes
    assert client.get(slerp["frames"][4]).content.startswith(b"\x89PNG")
    refused(client.get(slerp["frames"][0] + "?format=wav"), 400, "image model")
    refused(client.get(f"/api/walks/{w['id']}/slerp/5"), 400, "0 to 4")
    refused(client.get(f"/api/walks/{w['id']}/lerp/0"), 400, "no method 'lerp'")
    refused(client.get("/api/walks/0000000000000000/slerp/0"), 404, "POST /api/walk again")
    refused(client.get("/api/walks/..%2f..%2fetc/slerp/0"), 404, "")
    refused(client.get("/api/walks/xyz/slerp/0"), 400, "is not a walk id")


@pytest.mark.parametrize(("body", "status", "words"), [
    ({"steps": 100000}, 400, "The 'steps' parameter of walk must be an int in the range [2, 256]. Got 100000 instead."),
    ({"steps": 1}, 400, "Got 1 instead"),
    ({"steps": "many"}, 400, "Got 'many' instead"),
    ({"steps": True}, 400, "Got True instead"),
    ({"methods": []}, 400, "'methods' must be a list of 1 to 8"),
    ({"methods": ["slurp"]}, 400, "Unknown path method 'slurp'"),
    ({"schedule": "bouncy"}, 400, "Unknown t-schedule"),
    ({"via": ["digits:5"] * 9}, 400, "at most 8 items"),
    ({"from": "/etc/passwd"}, 400, "file paths are never read"),
    ({"to": "../x.png"}, 400, "file paths are never read"),
    ({"model": "nope"}, 400, "Unknown served model 'nope'"),
    ({"model": 3}, 400, "The 'model' parameter of walk must be an instance of str"),
    ({"extra": 1}, 400, "has no parameter 'extra'"),
])
def test_bad_walk_requests(client: TestClient, body: dict[str, Any], status: int, words: str) -> None:
    refused(walk(client, **body), status, words)


def test_walk_bodies_that_are_not_walks(client: TestClient) -> None:
    refused(client.post("/api/walk", content=b"{nope"), 400, "must be a JSON object")
    refused(client.post("/api/walk", content=b"[1, 2]"), 400, "must be a JSON object")
    refused(client.post("/api/walk", json={"model": "tiny-vae"}), 400, "needs the 'from' field")
    refused(client.post("/api/walk", content=b" " * 100_000), 413, "over the server's limit")
    assert walk(client).status_code == 200


def test_upload_a_png_and_walk_to_it(client: TestClient, web: Any, server_dir: Path) -> None:
    image = np.zeros((40, 30), np.uint8)
    image[5:35, 12:18] = 255  # a "1", larger than the model's 16 x 16: resized as the CLI does
    r = client.post("/api/upload", params={"name": "one.png", "model": "tiny-vae"}, content=png_bytes(image))
    assert r.status_code == 200, r.text
    up = r.json()
    assert up["id"].startswith("upload:") and up["modality"] == "image" and up["name"] == "one.png"
    stored = web.state.session.uploads.get(up["id"]).path
    assert stored.parent == server_dir / "uploads" and stored.name.endswith(".png")  # a server-made name
    assert client.get(up["thumb"]).content.startswith(b"\x89PNG")
    w = walk(client, to=up["id"]).json()
    assert w["items"] == ["digits:3", up["id"]]
    assert frame(client, to=up["id"], t="1").status_code == 200
    multipart = client.post("/api/upload", files={"file": ("again.png", png_bytes(image), "image/png")})
    assert multipart.json()["id"] == up["id"]  # the same bytes are the same upload


@pytest.mark.parametrize(("name", "data", "status", "words"), [
    ("big.png", b"\x89PNG\r\n\x1a\n" + bytes(20_000_000), 413, "over the server's limit of 10,000,000 bytes"),
    ("notes.png", b"just some text, not a picture\n", 415, "'notes.png' is not an image"),
    ("../../evil.png", None, 400, "must be a plain file name"),
    ("..", None, 400, "must be a plain file name"),
    ("a/b.png", None, 400, "must be a plain file name"),
    ("empty.png", b"", 400, "is empty"),
    ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, 400, "is not a readable image"),
])
def test_bad_uploads(client: TestClient, name: str, data: bytes | None, status: int, words: str) -> None:
    body = png_bytes(np.zeros((8, 8), np.uint8)) if data is None else data
    refused(client.post("/api/upload", params={"name": name}, content=body), status, words)
    assert frame(client).status_code == 200


def test_uploads_of_the_wrong_kind_and_multipart_mistakes(client: TestClient) -> None:
    png = png_bytes(np.zeros((8, 8), np.uint8))
    refused(client.post("/api/upload", params={"name": "a.png", "model": "tiny-tones"}, content=png), 400,
            "is an image; the model")
    refused(client.post("/api/upload", content=b"--x\r\n", headers={"content-type": "multipart/form-data"}), 400,
            "needs a boundary")
    refused(client.post("/api/upload", files={"note": (None, "text")}), 400, "holds no file")
    refused(client.post("/api/upload", files={"file": ("../up.png", png, "image/png")}), 400, "plain file name")


def test_export_is_the_cli_folder_and_reruns(client: TestClient, server_dir: Path, tmp_path: Path) -> None:
    image = np.zeros((16, 16), np.uint8)
    image[3:13, 7:10] = 200
    up = client.post("/api/upload", params={"name": "mine.png"}, content=png_bytes(image)).json()["id"]
    r = client.post("/api/export", json={"model": "tiny-vae", "from": "digits:3", "to": up, "steps": 4,
                                         "methods": ["crossfade", "slerp"]})
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        names = z.namelist()
        z.extractall(tmp_path)
    (folder,) = {n.split("/")[0] for n in names}
    for f in ("manifest.json", "metrics.json", "comparison.png", "slerp/frames.npy", "slerp/walk.gif", "slerp/walk.mp4",
              "crossfade/strip.png"):
        assert f"{folder}/{f}" in names, f
    manifest = json.loads((tmp_path / folder / "manifest.json").read_text())
    assert manifest["invocation"]["params"]["dst"].startswith("inputs/")  # the upload travels with the folder
    assert (tmp_path / folder / manifest["invocation"]["params"]["dst"]).is_file()
    assert str(server_dir) not in json.dumps(manifest["items"])
    result = CliRunner().invoke(app, ["rerun", str(tmp_path / folder)])
    assert result.exit_code == 0 and "re-created bit for bit" in result.stdout, result.stdout + result.stderr
    assert not any((server_dir / "exports").iterdir())  # the server removed its copy once it was sent
    refused(client.post("/api/export", json={"model": "tiny-vae", "from": "digits:3", "to": "/etc/passwd"}), 400,
            "file paths are never read")


def test_items_give_thumbnails_and_factor_controls(client: TestClient) -> None:
    import base64

    page = client.get("/api/items", params={"model": "tiny-vae", "offset": 10, "limit": 4}).json()
    assert page["dataset"] == "digits" and page["count"] == 1797 and [i["id"] for i in page["items"]] == [
        "digits:10", "digits:11", "digits:12", "digits:13"]
    thumb = page["items"][0]["thumb"]
    assert pixels(base64.b64decode(thumb.split(",", 1)[1])).shape == (16, 16)
    assert page["factors"] == [{"name": "label", "kind": "choice", "values": [float(i) for i in range(10)]}]
    refused(client.get("/api/items", params={"model": "tiny-vae", "dataset": "lines"}), 400, "has items of shape")
    refused(client.get("/api/items", params={"model": "tiny-vae", "offset": 5000}), 400, "past its end")
    refused(client.get("/api/items", params={"model": "tiny-vae", "limit": 100000}), 400, "The 'limit' parameter")
    refused(client.get("/api/items", params={"model": "tiny-vae", "dataset": "../etc"}), 400, "Unknown dataset")
    item = client.get("/api/item", params={"model": "tiny-vae", "item": "digits:label=7"})
    assert item.status_code == 200 and pixels(item.content).shape == (16, 16)


def test_directions_move_the_frames(client: TestClient) -> None:
    ds = client.get("/api/directions", params={"model": "tiny-vae", "kind": "atvec"}).json()
    ids = [d["id"] for d in ds["directions"]]
    assert "atvec:label=3" in ids and "atvec:ink" in ids and all(d["sigma"] > 0 for d in ds["directions"])
    moved = frame(client, dir="atvec:ink", alpha="3")
    assert moved.status_code == 200 and moved.content != frame(client).content
    assert frame(client, method="crossfade", dir="atvec:ink", alpha="3").content == frame(client, method="crossfade").content
    refused(client.get("/api/directions", params={"model": "tiny-vae", "kind": "atvek"}), 400, "Did you mean 'atvec'?")
    sound = client.get("/api/directions", params={"model": "tiny-tones"}).json()
    assert sound["directions"] == [] and "No directions for 'tiny-tones'" in sound["note"]


def test_mix_of_three_items(client: TestClient) -> None:
    params: list[tuple[str, str]] = [("model", "tiny-vae"), ("item", "digits:3"), ("item", "digits:8"), ("item", "digits:7")]
    corner = client.get("/api/mix", params=[*params, ("w", "1"), ("w", "0"), ("w", "0")])
    assert corner.content == frame(client, t="0").content  # all of A is A's code
    middle = client.get("/api/mix", params=[*params, ("w", "0.333"), ("w", "0.333"), ("w", "0.334")])
    assert middle.status_code == 200 and middle.content != corner.content
    refused(client.get("/api/mix", params=[*params, ("w", "0"), ("w", "0"), ("w", "0")]), 400, "not all zero")
    refused(client.get("/api/mix", params=[*params, ("w", "1")]), 400, "one weight 'w' for each")
    refused(client.get("/api/mix", params=[*params, ("w", "nan"), ("w", "0"), ("w", "0")]), 400, "Got nan instead")


def test_a_sound_model_answers_wav_and_spectrograms(client: TestClient) -> None:
    base = {"model": "tiny-tones", "from": "tones:kind=cry", "to": "tones:kind=noise", "t": "0.5"}
    for method in ("slerp", "crossfade"):
        r = client.get("/api/frame", params={**base, "method": method})
        assert r.status_code == 200 and r.headers["content-type"] == "audio/wav" and r.content[8:12] == b"WAVE"
    picture = client.get("/api/frame", params={**base, "format": "png"})
    assert pixels(picture.content).shape == (257, 63, 3)
    w = client.post("/api/walk", json={"model": "tiny-tones", "from": "tones:kind=cry", "to": "tones:kind=noise",
                                       "steps": 3, "methods": ["crossfade", "slerp"]}).json()
    assert client.get(w["methods"]["slerp"]["sound"]).content[8:12] == b"WAVE"
    assert client.get(w["methods"]["slerp"]["frames"][1] + "?format=wav").content[8:12] == b"WAVE"
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, np.sin(np.linspace(0, 2000, 16000)).astype(np.float32) * 0.3, 16000, format="WAV")
    up = client.post("/api/upload", params={"name": "hum.wav"}, content=buf.getvalue()).json()
    assert up["modality"] == "audio" and up["model"] == "tiny-tones"
    refused(frame(client, to=up["id"]), 400, "is a sound; the model")


def test_an_unexpected_failure_is_a_500_with_one_line(checkpoints: dict[str, Path], tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    web = create_app([str(checkpoints["tiny-vae"])], tmpdir=tmp_path)
    broken = {"on": True}
    plan = web.state.session.plan_frame

    def fails(q: Any) -> Any:
        if broken["on"]:
            raise RuntimeError("a bug, with a secret path /home/someone")
        return plan(q)

    monkeypatch.setattr(web.state.session, "plan_frame", fails)
    with TestClient(web, raise_server_exceptions=False) as c:
        r = frame(c)
        assert r.status_code == 500 and r.json() == {
            "error": "The server failed on this request (RuntimeError); its log has the details."}
        broken["on"] = False
        assert frame(c).status_code == 200


def test_the_page_ships_with_the_package_and_loads_nothing_from_elsewhere(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "default-src 'self'" in page.headers["content-security-policy"]
    for name in ("index.html", "app.js", "style.css"):
        text = client.get("/static/" + name).text if name != "index.html" else page.text
        text = text.replace('"http://www.w3.org/2000/svg"', "")  # SVG's namespace: a name, not a load
        assert "http://" not in text and "https://" not in text and "//cdn" not in text, name
    assert '"serve/static/*"' in (Path(__file__).parents[2] / "pyproject.toml").read_text()


def test_create_app_and_the_command_refuse_bad_settings(checkpoints: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterError, match="'upload_limit' parameter of create_app"):
        create_app([str(checkpoints["tiny-vae"])], upload_limit=0, tmpdir=tmp_path)
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    try:
        r = CliRunner().invoke(app, ["serve", "--model", str(checkpoints["tiny-vae"]), "--port", str(busy.getsockname()[1])])
    finally:
        busy.close()
    assert r.exit_code == 2 and "Cannot listen on 127.0.0.1" in r.stderr and "choose another --port" in r.stderr
    r = CliRunner().invoke(app, ["serve", "--upload-limit", "0"])
    assert r.exit_code == 2 and "--upload-limit" in r.stderr


@pytest.mark.parametrize("stop", ["SIGINT", "SIGTERM"])
def test_the_command_serves_on_loopback_until_stopped(checkpoints: dict[str, Path], tmp_path: Path, stop: str) -> None:
    import os
    import re
    import signal
    import subprocess
    import sys
    import urllib.request

    cmd = [sys.executable, "-m", "latentwalk", "serve", "--model", str(checkpoints["tiny-vae"]), "--port", "0", "-q"]
    (tmp_path / "tmp").mkdir()
    env = {**os.environ, "TMPDIR": str(tmp_path / "tmp")}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        found = re.search(r"serving tiny-vae at http://127\.0\.0\.1:(\d+)/", line)
        assert found, line + (proc.stderr.read() if proc.stderr and proc.poll() is not None else "")
        with urllib.request.urlopen(f"http://127.0.0.1:{found[1]}/api/models", timeout=30) as r:
            assert json.loads(r.read())["models"][0]["name"] == "tiny-vae"
        assert len(list((tmp_path / "tmp").iterdir())) == 1  # its own temporary folder
    finally:
        proc.send_signal(getattr(signal, stop))  # Ctrl-C or `kill`: the ways to stop it
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and out.strip() == "stopped" and "error" not in err, err
    assert [p.name for p in tmp_path.iterdir()] == ["tmp"] and not list((tmp_path / "tmp").iterdir())  # nothing left
