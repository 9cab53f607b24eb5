"""The Beam layer: DoFns and PTransforms that wire the pure functions together."""
