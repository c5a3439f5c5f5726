"""The language server: what glassgrad's last run knows, in any LSP editor (`glassgrad lsp`)."""
