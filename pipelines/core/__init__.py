"""What every pipeline shares, free of Beam: counters, steps, the manifest."""
