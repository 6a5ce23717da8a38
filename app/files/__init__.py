"""Evidence files (附件): kept by their SHA-256, named in events by the commands that attach them."""
