-- Neovim's own LSP client against `glassgrad lsp`, headless (tests/lsp/test_neovim.py).
--
--   nvim --headless --clean -l check.lua CONFIG.json OUT.json
--
-- CONFIG: {python, root, train, hover_line, nan, timeout_ms}. Starts the server for train.py
-- with vim.lsp.start, asks for hover and inlay hints, lets Neovim's own inlay-hint and
-- diagnostic machinery fill in (vim.lsp.inlay_hint.get, vim.diagnostic.get on nan.py), and
-- writes everything it got to OUT as JSON. Every wait is bounded; the result file is written
-- even when a step fails (its "error" says which), then Neovim quits.

local config_path, out_path = arg[1], arg[2]
local out = { steps = {} }

local function step(name) table.insert(out.steps, name) end

local function write_out()
  local f = assert(io.open(out_path, "w"))
  f:write(vim.json.encode(out))
  f:close()
end

local function main()
  local f = assert(io.open(config_path, "r"))
  local cfg = vim.json.decode(f:read("*a"))
  f:close()
  local timeout = cfg.timeout_ms
  out.nvim = tostring(vim.version())

  local attached = {}
  vim.api.nvim_create_autocmd("LspAttach", {
    callback = function(ev) attached[ev.buf] = ev.data.client_id end,
  })

  local function start(path)
    vim.cmd.edit(vim.fn.fnameescape(path))
    local buf = vim.api.nvim_get_current_buf()
    local id = vim.lsp.start({
      name = "glassgrad",
      cmd = { cfg.python, "-m", "glassgrad.cli", "lsp" },
      root_dir = cfg.root,
    }, { bufnr = buf })
    assert(id, "vim.lsp.start returned no client for " .. path)
    local ok = vim.wait(timeout, function()
      local client = vim.lsp.get_client_by_id(id)
      return attached[buf] == id and client ~= nil and client.initialized == true
    end, 20)
    assert(ok, "the client did not attach to " .. path .. " within " .. timeout .. " ms")
    return buf, id
  end

  -- train.py: hover and inlay hints, asked for directly
  local buf, id = start(cfg.train)
  out.client_id = id
  step("attached")
  local uri = vim.uri_from_bufnr(buf)
  local client = vim.lsp.get_client_by_id(id)
  out.server_name = client.server_info and client.server_info.name or vim.NIL

  local function request(method, params)
    local responses, err = vim.lsp.buf_request_sync(buf, method, params, timeout)
    assert(responses, method .. ": " .. tostring(err))
    local r = responses[id]
    assert(r, method .. ": no answer from the glassgrad client within " .. timeout .. " ms")
    assert(not r.err, method .. ": " .. vim.inspect(r.err))
    return r.result
  end

  out.hover = request("textDocument/hover", {
    textDocument = { uri = uri },
    position = { line = cfg.hover_line - 1, character = 4 },
  })
  step("hover")
  local last = vim.api.nvim_buf_line_count(buf)
  out.inlay_hints = request("textDocument/inlayHint", {
    textDocument = { uri = uri },
    range = { start = { line = 0, character = 0 }, ["end"] = { line = last, character = 0 } },
  })
  step("inlayHint")

  -- the editor's own path: enable inlay hints and read what Neovim keeps for display
  vim.lsp.inlay_hint.enable(true, { bufnr = buf })
  local shown = {}
  vim.wait(timeout, function()
    shown = vim.lsp.inlay_hint.get({ bufnr = buf })
    return #shown > 0
  end, 20)
  out.shown_hints = vim.tbl_map(function(h) return h.inlay_hint end, shown)
  step("shown")

  -- nan.py: diagnostics the server publishes on open, as Neovim stores them
  if cfg.nan then
    local nan_buf = start(cfg.nan)
    local found = {}
    vim.wait(timeout, function()
      found = vim.diagnostic.get(nan_buf)
      return #found > 0
    end, 20)
    out.diagnostics = vim.tbl_map(function(d)
      return { lnum = d.lnum, severity = d.severity, message = d.message, code = d.code,
               source = d.source }
    end, found)
    step("diagnostics")
  end

  -- shut the server down and wait for it to exit
  client:stop()
  vim.wait(timeout, function() return client:is_stopped() end, 20)
  out.stopped = client:is_stopped()
  step("stopped")
end

local ok, err = xpcall(main, debug.traceback)
if not ok then out.error = tostring(err) end
pcall(write_out)
for _, c in ipairs(vim.lsp.get_clients()) do c:stop(true) end
vim.cmd("qa!")
