"""deploy/space.sh, the Space's deploy command (docs/deploy.md), pushed to a local bare repository whose pre-receive
hook refuses what the Hugging Face Hub refuses: a file over 10 MB, or a binary file, that is not a Git LFS pointer."""
import hashlib
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

SCRIPT = ROOT / "deploy" / "space.sh"
SPACE_TOP = {".gitattributes", "README.md", "app.py", "requirements.txt", "packages.txt", "explorer", "assets", "docs"}
POINTER = b"version https://git-lfs.github.com/spec/v1\n"

# The Hub's rule, written independently of the script: a new blob that is not an LFS pointer (a small text file
# starting with the spec line) is refused if it is over 10 MB or binary (a NUL byte in its first 8,000 bytes, as
# git decides). It reads every new blob of every ref the push updates.
HOOK = '''#!{python}
import subprocess, sys
LIMIT, POINTER = 10_000_000, b"version https://git-lfs.github.com/spec/v1\\n"
offending = []
for line in sys.stdin:
    old, new, ref = line.split()
    if set(new) == {{"0"}}:
        continue
    listed = subprocess.run(["git", "rev-list", "--objects", new, "--not", "--all"], capture_output=True, text=True,
                            check=True).stdout.splitlines()
    for sha, _, path in (entry.partition(" ") for entry in listed):
        if subprocess.run(["git", "cat-file", "-t", sha], capture_output=True, text=True).stdout.strip() != "blob":
            continue
        data = subprocess.run(["git", "cat-file", "blob", sha], capture_output=True, check=True).stdout
        pointer = data.startswith(POINTER) and len(data) < 1024
        if not pointer and (len(data) > LIMIT or b"\\0" in data[:8000]):
            offending.append(f"{{path}} ({{len(data)}} bytes)")
if offending:
    print("Your push was rejected because it contains binary files or files over 10 MB outside LFS.", file=sys.stderr)
    print("Offending files:", *offending, sep="\\n  - ", file=sys.stderr)
    sys.exit(1)
'''


def git(*args: str, cwd: Path, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=check, timeout=120, **kwargs)


def hub_like_remote(tmp_path: Path, name: str = "space.git") -> Path:
    bare = tmp_path / name
    git("init", "--quiet", "--bare", "--initial-branch=main", str(bare), cwd=tmp_path)
    hook = bare / "hooks" / "pre-receive"
    hook.write_text(HOOK.format(python=sys.executable))
    hook.chmod(0o755)
    return bare


def commit_all(repo: Path, message: str) -> None:
    git("add", "--all", cwd=repo)
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", message, cwd=repo)


def new_space(tmp_path: Path) -> Path:
    """A remote as the Hub makes a new Space: one commit with its own README and .gitattributes, here one more file
    that the app's tree does not have."""
    bare = hub_like_remote(tmp_path)
    seed = tmp_path / "seed"
    git("init", "--quiet", "--initial-branch=main", str(seed), cwd=tmp_path)
    (seed / "README.md").write_text("---\ntitle: new space\n---\n")
    (seed / ".gitattributes").write_text("*.safetensors filter=lfs diff=lfs merge=lfs -text\n")
    (seed / "stale.txt").write_text("from before\n")
    commit_all(seed, "initial commit")
    git("push", "--quiet", f"file://{bare}", "main", cwd=seed)
    return bare


def deploy(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=300)


def committed(path: str) -> bytes:
    return git("show", f"HEAD:{path}", cwd=ROOT).stdout


def test_the_deploy_pushes_the_app_with_every_binary_in_lfs_and_no_training_run(tmp_path):
    bare = new_space(tmp_path)
    before = git("rev-parse", "main", cwd=bare).stdout.strip()
    result = deploy(f"file://{bare}")
    assert result.returncode == 0, result.stderr

    pushed = git("ls-tree", "-r", "--name-only", "main", cwd=bare).stdout.decode().splitlines()
    assert {p.split("/")[0] for p in pushed} == SPACE_TOP
    expected = git("ls-tree", "-r", "--name-only", "HEAD", "--", *SPACE_TOP, cwd=ROOT).stdout.decode().splitlines()
    assert sorted(pushed) == sorted(expected)  # the stale file of the Space's first commit is gone
    assert not any(p.startswith(("training-run/", "tests/", "benchmarks/", ".ci/", "deploy/")) for p in pushed)
    # on top of the Space's history, not over it
    assert git("rev-parse", "main^", cwd=bare).stdout.strip() == before

    in_lfs = []
    for path in pushed:
        data, blob = committed(path), git("show", f"main:{path}", cwd=bare).stdout
        if b"\0" not in data[:8000]:
            assert blob == data, path  # text as committed
            continue
        oid = hashlib.sha256(data).hexdigest()
        assert blob == POINTER + f"oid sha256:{oid}\nsize {len(data)}\n".encode(), path
        assert (bare / "lfs" / "objects" / oid[:2] / oid[2:4] / oid).read_bytes() == data, path
        in_lfs.append(path)
    assert {"assets/embedded.safetensors", "assets/embedded-units-sprite.jpg", "docs/screenshots/model-map.png",
            "assets/examples/chelsea-cat.jpg"} <= set(in_lfs)

    again = deploy(f"file://{bare}")
    assert again.returncode == 0 and "nothing to push" in again.stdout, again.stderr
    assert git("rev-parse", "main^", cwd=bare).stdout.strip() == before


def test_the_remote_refuses_the_same_tree_pushed_without_lfs(tmp_path):
    """The check above means something: the app's tree as plain git objects is refused, binaries named."""
    bare = hub_like_remote(tmp_path)
    tree = tmp_path / "tree"
    result = deploy("--tree", str(tree))
    assert result.returncode == 0, result.stderr
    assert {p.name for p in tree.iterdir()} == SPACE_TOP
    git("init", "--quiet", "--initial-branch=main", cwd=tree)
    commit_all(tree, "no lfs")
    push = git("push", f"file://{bare}", "main", cwd=tree, check=False)
    assert push.returncode != 0
    assert b"assets/embedded.safetensors" in push.stderr and b"docs/screenshots/model-map.png" in push.stderr
    assert git("rev-parse", "--verify", "--quiet", "main", cwd=bare, check=False).returncode != 0  # nothing landed


def source_repo(tmp_path: Path, big_text: bool) -> Path:
    """A repository shaped like this one, whose weights are over 10 MB (and, with `big_text`, a text file too)."""
    src = tmp_path / "src"
    (src / "deploy").mkdir(parents=True)
    (src / "deploy" / "space.sh").write_bytes(SCRIPT.read_bytes())
    (src / ".gitattributes").write_bytes((ROOT / ".gitattributes").read_bytes())
    for name in ("README.md", "app.py", "requirements.txt", "packages.txt", "explorer/__init__.py", "docs/deploy.md"):
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text(f"{name}\n")
    (src / "assets").mkdir()
    (src / "assets" / "weights.safetensors").write_bytes(bytes(range(256)) * 43_000)  # 11 MB, binary
    (src / "training-run").mkdir()
    (src / "training-run" / "last.pt").write_bytes(bytes(range(256)) * 60_000)  # 15 MB, never deployed
    if big_text:
        (src / "explorer" / "table.txt").write_text("0123456789\n" * 1_000_000)  # 11 MB of text, not in LFS
    git("init", "--quiet", "--initial-branch=main", cwd=src)
    commit_all(src, "source")
    return src


def test_a_file_over_10_mb_goes_through_lfs_and_one_that_cannot_is_refused_before_the_push(tmp_path):
    bare = hub_like_remote(tmp_path)
    src = source_repo(tmp_path / "a", big_text=True)
    refused = subprocess.run(["bash", str(src / "deploy" / "space.sh"), f"file://{bare}"], capture_output=True,
                             text=True, timeout=300)
    assert refused.returncode == 1 and "explorer/table.txt" in refused.stderr
    assert "Traceback" not in refused.stderr and "weights.safetensors" not in refused.stderr
    assert git("rev-parse", "--verify", "--quiet", "main", cwd=bare, check=False).returncode != 0

    src = source_repo(tmp_path / "b", big_text=False)
    result = subprocess.run(["bash", str(src / "deploy" / "space.sh"), f"file://{bare}"], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr  # into the empty remote, through the hook
    pushed = git("ls-tree", "-r", "-l", "main", cwd=bare).stdout.decode()
    assert "training-run" not in pushed
    weights = (src / "assets" / "weights.safetensors").read_bytes()
    oid = hashlib.sha256(weights).hexdigest()
    assert git("show", "main:assets/weights.safetensors", cwd=bare).stdout.startswith(POINTER)
    assert (bare / "lfs" / "objects" / oid[:2] / oid[2:4] / oid).read_bytes() == weights
