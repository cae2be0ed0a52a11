#!/usr/bin/env bash
# Push what a Hugging Face Space runs to a Space, its binaries through Git LFS (docs/deploy.md).
#
#   bash deploy/space.sh https://huggingface.co/spaces/USER/SPACE     # push the Space's tree to the Space
#   bash deploy/space.sh --tree DIR                                   # only write the Space's tree into DIR
#
# The Space's tree is the files of the commit checked out (HEAD; uncommitted edits are not deployed) under
# SPACE_PATHS: the app, its package, its assets, the README (the Space's page and its settings), docs/ and
# packages.txt (the Debian packages the Space installs: a CJK font for the figures' Chinese). It
# leaves out training-run/ (63 MB of resume points and teachers), tests/, benchmarks/, .ci/ and this folder.
# The Space's current history is cloned (LFS files as pointers only), its files replaced by the tree, and the
# change committed on top and pushed to its `main`: nothing is force-pushed. Git LFS is turned on in that clone
# only (`git lfs install --local`), so .gitattributes puts the binaries in LFS there and nowhere else.
set -euo pipefail

SPACE_PATHS=(.gitattributes README.md app.py requirements.txt packages.txt explorer assets docs)
LIMIT=10000000  # the Hub refuses a file over 10 MB that is not an LFS pointer, and any binary one

die() { echo "deploy/space.sh: $*" >&2; exit 1; }

root="$(cd "$(dirname "$0")/.." && pwd)"
[ $# -ge 1 ] || die "usage: bash deploy/space.sh SPACE_GIT_URL | --tree DIR"

# The Space's tree: the committed files under SPACE_PATHS, as git has them (git archive HEAD).
write_tree() {
  mkdir -p "$1"
  git -C "$root" archive --format=tar HEAD -- "${SPACE_PATHS[@]}" | tar -x -C "$1"
}

if [ "$1" = "--tree" ]; then
  [ $# -eq 2 ] || die "usage: bash deploy/space.sh --tree DIR"
  write_tree "$2"
  echo "the Space's tree of $(git -C "$root" rev-parse --short HEAD) is in $2"
  exit 0
fi

remote="$1"
git lfs version >/dev/null 2>&1 || die "git-lfs is missing (Debian: apt-get install git-lfs; elsewhere https://git-lfs.com)"
if [ -n "$(git -C "$root" status --porcelain -- "${SPACE_PATHS[@]}")" ]; then
  echo "deploy/space.sh: uncommitted changes are not deployed: the Space gets HEAD" >&2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
space="$work/space"

# The Space as it is (a new Space has a README and a .gitattributes; an empty repository clones empty).
GIT_LFS_SKIP_SMUDGE=1 git clone --quiet "$remote" "$space" 2>&1 | grep -v "cloned an empty repository" >&2 || true
[ -d "$space/.git" ] || die "could not clone $remote"
git -C "$space" lfs install --local >/dev/null
find "$space" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
write_tree "$space"
git -C "$space" add --all

if git -C "$space" rev-parse --verify --quiet HEAD >/dev/null && git -C "$space" diff --cached --quiet; then
  echo "the Space already runs $(git -C "$root" rev-parse --short HEAD): nothing to push"
  exit 0
fi

# Refuse here what the Hub would refuse: a binary file or one over 10 MB that is not an LFS pointer (git's
# numstat shows a binary file as "-"; an LFS pointer is a small text file).
tree="$(git -C "$space" write-tree)"
offending="$(git -C "$space" diff --numstat --no-renames "$(git hash-object -t tree /dev/null)" "$tree" |
  awk -F'\t' '$1 == "-" { print $3 }')
$(git -C "$space" ls-tree -r -l "$tree" | awk -v limit="$LIMIT" -F'\t' '{ split($1, f, " ") } f[4] > limit { print $2 }')"
offending="$(echo "$offending" | sed '/^$/d' | sort -u)"
[ -z "$offending" ] || die "binary or over 10 MB, and not in LFS (add its pattern to .gitattributes):
$offending"

source_commit="$(git -C "$root" rev-parse HEAD)"
git -C "$space" -c user.name="${GIT_AUTHOR_NAME:-$(git -C "$root" config user.name || echo 'MLP-Mixer Explorer deploy')}" \
  -c user.email="${GIT_AUTHOR_EMAIL:-$(git -C "$root" config user.email || echo 'deploy@localhost')}" \
  commit --quiet -m "MLP-Mixer Explorer at ${source_commit:0:12}" -m "Built by deploy/space.sh from commit $source_commit."
git -C "$space" push --quiet origin HEAD:refs/heads/main
echo "pushed ${source_commit:0:12} to $remote (main): $(git -C "$space" lfs ls-files | wc -l) files in LFS"
