# Sourced by every script that builds for wasm. rustup installs the toolchain
# rust-toolchain.toml pins, with the targets it lists, only when that
# toolchain is missing: on a machine whose image already has 1.95.0 it adds
# no target, and a wasm build fails with "can't find crate for `core`".
# So add them here (a quick no-op once they are installed; its output is
# shown only when it fails).
rustup show active-toolchain >/dev/null
if ! tg_rustup_out=$(rustup target add wasm32-wasip1 wasm32-unknown-unknown 2>&1); then
  printf '%s\n' "$tg_rustup_out" >&2
  return 1
fi
