#!/bin/bash
# connect-sso-workshop: lifecycle configuration for SageMaker Studio JupyterLab spaces.
#
# Installs the workshop (pip install -e) into the Python environment the notebook kernels use, so
# `from workshop_lib import ui` works in every notebook. Attach it to a domain or user profile as a
# JupyterLab lifecycle configuration (see docs/sagemaker-studio.md), or run it in a Studio terminal:
#
#   bash scripts/sagemaker-lifecycle.sh --wait
#
# Safe to run at every space start: the space's home folder persists, but the image's conda
# environment is rebuilt, so the install is checked and redone only when needed. No secrets here:
# AWS access comes from the space's execution role, or not at all with the sandbox.
#
# Settings (environment variables, all optional):
#   WORKSHOP_REPO_DIR   the clone               (default: $HOME/connect-sso-workshop)
#   WORKSHOP_REPO_URL   clone from here when WORKSHOP_REPO_DIR does not exist yet (public URL, no token)
#   WORKSHOP_PYTHON     the kernel's Python     (default: /opt/conda/bin/python, else python3)
#   WORKSHOP_HOME       settings and sandbox    (default: $HOME/.connect-sso-workshop, which persists)
#
# Options: --wait   install in the foreground (a terminal); by default a lifecycle run installs in
#                   the background so the space starts within Studio's time limit.

set -euo pipefail

WAIT=0
for arg in "$@"; do
  case "$arg" in
    --wait) WAIT=1 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg (try --help)" >&2; exit 2 ;;
  esac
done

HOME_DIR="${HOME:-/home/sagemaker-user}"
REPO_DIR="${WORKSHOP_REPO_DIR:-$HOME_DIR/connect-sso-workshop}"
REPO_URL="${WORKSHOP_REPO_URL:-}"
STATE_DIR="${WORKSHOP_HOME:-$HOME_DIR/.connect-sso-workshop}"
LOG="$STATE_DIR/lifecycle.log"

if [ -n "${WORKSHOP_PYTHON:-}" ]; then
  PYTHON="$WORKSHOP_PYTHON"
elif [ -x /opt/conda/bin/python ]; then
  PYTHON=/opt/conda/bin/python          # SageMaker Distribution: the kernels' environment
else
  PYTHON="$(command -v python3)"
fi

mkdir -p "$STATE_DIR"

say() { printf '%s connect-sso-workshop: %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# Installed, from this clone, for this pyproject.toml? The marker lives in the environment itself,
# so a rebuilt environment (a space restart) has none and the install runs again.
marker_path() {
  local digest purelib
  digest="$(sha256sum "$REPO_DIR/pyproject.toml" | cut -c1-16)"
  purelib="$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  printf '%s/connect_sso_workshop-lifecycle-%s\n' "$purelib" "$digest"
}

installed_here() {
  local marker
  marker="$(marker_path)"
  [ -f "$marker" ] || return 1
  "$PYTHON" - "$REPO_DIR" <<'PY' >/dev/null 2>&1
import os, sys
import workshop_lib
repo = os.path.realpath(sys.argv[1])
sys.exit(0 if os.path.realpath(workshop_lib.__file__).startswith(repo + os.sep) else 1)
PY
}

install() {
  if [ ! -d "$REPO_DIR" ]; then
    if [ -z "$REPO_URL" ]; then
      say "no clone at $REPO_DIR: clone the repository there first, or set WORKSHOP_REPO_URL."
      return 1
    fi
    say "cloning $REPO_URL into $REPO_DIR"
    git clone --quiet --depth 1 "$REPO_URL" "$REPO_DIR" || return 1
  fi
  if [ ! -f "$REPO_DIR/pyproject.toml" ]; then
    say "$REPO_DIR is not a connect-sso-workshop clone (no pyproject.toml)."
    return 1
  fi
  if installed_here; then
    say "already installed from $REPO_DIR into $PYTHON; nothing to do."
    return 0
  fi
  say "installing $REPO_DIR into $PYTHON"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check -e "$REPO_DIR" || { say "pip install failed (see above)."; return 1; }
  "$PYTHON" - <<'PY' || return 1
from importlib import metadata
import workshop_lib
versions = []
for name in ("connect-sso-workshop", "ipywidgets", "jupyterlab_widgets"):
    try:
        versions.append(f"{name} {metadata.version(name)}")
    except metadata.PackageNotFoundError:
        versions.append(f"{name} missing")
print("installed:", ", ".join(versions), "from", workshop_lib.__file__)
PY
  local marker
  marker="$(marker_path)" || return 1
  rm -f "${marker%-*}"-*          # markers of earlier pyproject.toml versions
  touch "$marker" || return 1
  say "done: open notebooks/00_start_here.ipynb (kernel: Python 3) and keep the target on Sandbox or choose My AWS account."
}

if [ "$WAIT" = 1 ]; then
  install 2>&1 | tee -a "$LOG"
  exit "${PIPESTATUS[0]}"
fi

# Lifecycle run: return at once, install in the background, write the log beside the settings.
say "installing in the background; progress in $LOG" | tee -a "$LOG"
export REPO_DIR REPO_URL PYTHON
nohup bash -c "set -uo pipefail; $(declare -f say marker_path installed_here install); install" >>"$LOG" 2>&1 </dev/null &
exit 0
