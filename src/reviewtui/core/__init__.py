"""The domain core: git, spec, chunks, links, checks, review state, LLM. Imports no Textual or Rich."""
