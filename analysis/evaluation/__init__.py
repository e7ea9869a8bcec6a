"""How good is the measure: evaluation sets, baselines, metrics and the `evaluate` command."""
