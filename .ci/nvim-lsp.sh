#!/usr/bin/env bash
# A real editor's LSP client against `sigsmith lsp`: Neovim headless (Debian's neovim package,
# installed when missing) opens a broken rule with its built-in client and reads the
# diagnostics back. Checks that the SIG006 diagnostic covers exactly the undefined identifier
# as Neovim maps the range (UTF-16 columns from the server, byte columns in the buffer, on a
# line with multi-byte characters before the identifier) and carries its docs link.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v nvim >/dev/null 2>&1; then
    echo "nvim-lsp: installing Debian's neovim"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends neovim >/dev/null
fi
nvim --version | head -1

cargo build --locked --quiet
export SIGSMITH_BIN="$PWD/target/debug/sigsmith"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rules"
cat >"$work/rules/broken.yml" <<'RULE'
title: Undefined identifier in the condition
id: 8c2ad0a7-1b8e-4f55-9e3c-2b7c1c0e4d21
status: test
description: The condition names a selection the detection does not define.
author: sigsmith CI
date: 2024-01-01
level: low
logsource: {product: aws, service: cloudtrail}
detection: {selection: {eventName: 'é𝒳'}, condition: selection and not filter_unknown}
RULE

cat >"$work/init.lua" <<'LUA'
local bin = os.getenv('SIGSMITH_BIN')
local out = os.getenv('NVIM_LSP_OUT')
local buf = vim.api.nvim_get_current_buf()
local root = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(buf), ':p:h')
local id = vim.lsp.start_client({
  name = 'sigsmith',
  cmd = { bin, 'lsp' },
  root_dir = root,
  workspace_folders = { { uri = vim.uri_from_fname(root), name = 'rules' } },
})
vim.lsp.buf_attach_client(buf, id)
local got = vim.wait(60000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
local lines = {}
if not got then
  table.insert(lines, 'TIMEOUT: no diagnostics')
end
for _, d in ipairs(vim.diagnostic.get(buf)) do
  local lsp = (d.user_data or {}).lsp or {}
  local code = d.code or lsp.code or '?'
  local href = (lsp.codeDescription or {}).href or ''
  local covered = ''
  if d.lnum == d.end_lnum then
    local text = vim.api.nvim_buf_get_lines(buf, d.lnum, d.lnum + 1, false)[1] or ''
    covered = string.sub(text, d.col + 1, d.end_col)
  end
  table.insert(lines, string.format('%s line=%d covered=%s href=%s severity=%d',
    code, d.lnum + 1, covered, href, d.severity))
end
vim.fn.writefile(lines, out)
vim.lsp.stop_client(id)
vim.wait(10000, function() return vim.lsp.get_client_by_id(id) == nil end, 50)
vim.cmd('qa!')
LUA

export NVIM_LSP_OUT="$work/diagnostics.txt"
(cd "$work/rules" && HOME="$work" timeout 120 nvim --headless --noplugin -u NONE -c "luafile $work/init.lua" broken.yml </dev/null)
echo "nvim-lsp: diagnostics Neovim received:"
sed 's/^/  /' "$NVIM_LSP_OUT"
if grep -q '^SIG006 line=9 covered=filter_unknown href=https://.*docs/rules.md#sig006 severity=1$' "$NVIM_LSP_OUT"; then
    echo "nvim-lsp: 1 passed, 0 failed"
else
    echo "nvim-lsp: expected a SIG006 error covering exactly \`filter_unknown\` on line 9" >&2
    echo "nvim-lsp: 0 passed, 1 failed"
    exit 1
fi
