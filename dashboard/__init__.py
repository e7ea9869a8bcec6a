"""The Dash dashboard: compare how outlets frame the story, filter, drill in, export."""
