"""`lemma lsp`: a language server for GIFT files and course sources (needs pygls)."""
