"""Pure text functions: no Beam import here, so they are easy to test and reuse."""
