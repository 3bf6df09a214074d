#!/usr/bin/env bash
# Counter — one entry point for the two quick-start commands.
#   bash run.sh demo   set everything up, then start the app with demo data
#   bash run.sh test   set everything up, then run the whole test suite
#   bash run.sh package  build the wheel, the standalone folder and the .deb
# Anything after the command is passed on (to main.py or to pytest).
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(
  # Qt runtime (offscreen and xcb)
  libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
  libglib2.0-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0
  libxcb-xkb1 libxrandr2 libpulse0 libnss3 libasound2
  # fonts that embed in PDFs: CJK and the rare-character fallback
  fonts-wqy-microhei fonts-hanazono
  # PDF tools for tests and review, virtual screen for screenshots
  poppler-utils xvfb xauth zbar-tools
  # printing (CUPS with a PDF printer) and scanning (SANE test backend)
  cups cups-client cups-bsd printer-driver-cups-pdf sane-utils libsane1
  # the central platform's scale path
  postgresql
  # fast SM4 for sealing scans (counter_app/store/gcrypt_sm4.py)
  libgcrypt20
  # the hall pages (kiosk, display, pad) tested in a real headless browser
  chromium chromium-driver
  # checks the .deb that `run.sh package` builds (dpkg-deb comes with dpkg)
  lintian
)

# Debian's python3 needs python3-venv for `python3 -m venv`.
if ! command -v python3 >/dev/null 2>&1; then
  APT_PACKAGES+=(python3 python3-venv)
elif ! python3 -c "import ensurepip, venv" >/dev/null 2>&1; then
  APT_PACKAGES+=(python3-venv)
fi

need_apt=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || need_apt+=("$p")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "Installing system packages: ${need_apt[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

VENV=.venv
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
cmd="${1:-demo}"
shift || true
# The test extra (pytest, keyrings.alt's plaintext keyring, …) only for the
# tests: the demo and a real desk run without it.
extra=""
stamp="$VENV/.installed"
if [ "$cmd" = "test" ]; then
  extra="[test]"
  stamp="$VENV/.installed-test"
elif [ "$cmd" = "package" ]; then
  extra="[package]"
  stamp="$VENV/.installed-package"
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q -e ".$extra"
  touch "$stamp"
fi
"$VENV/bin/python" scripts/i18n.py compile >/dev/null

case "$cmd" in
  demo)
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
      echo "No graphical display (DISPLAY is not set): preparing the demo data only." >&2
      echo "没有图形显示：只准备演示数据。请在桌面上运行，或用 xvfb-run bash run.sh demo。" >&2
      exec "$VENV/bin/python" main.py demo --no-gui "$@"
    fi
    exec "$VENV/bin/python" main.py demo "$@"
    ;;
  test)
    export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
    export PYTHON_KEYRING_BACKEND="${PYTHON_KEYRING_BACKEND:-keyrings.alt.file.PlaintextKeyring}"
    # the plaintext keyring is refused unless the tests opt in
    export COUNTER_TEST_KEYRING=1
    exec "$VENV/bin/python" -m pytest "$@"
    ;;
  package)
    # dist/counter/ (standalone, PyInstaller one-folder), the .deb built from
    # it, and the wheel; then lintian's remaining tags (README: Install on desks).
    rm -rf dist/counter build/pyinstaller
    "$VENV/bin/pyinstaller" --noconfirm --log-level WARN --distpath dist \
      --workpath build/pyinstaller packaging/counter.spec
    "$VENV/bin/python" packaging/build_deb.py --standalone dist/counter --out dist
    "$VENV/bin/pip" wheel -q --no-deps . -w dist
    echo "lintian:"
    lintian --tag-display-limit 0 dist/counter_*_amd64.deb || true
    ls -l dist
    ;;
  *)
    echo "usage: bash run.sh demo|test|package [args]" >&2
    exit 2
    ;;
esac
