"""Analysis layer: files -> articles -> framing scores. Never imports Dash."""
