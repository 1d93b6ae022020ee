"""The engines: each takes a Problem and SolveParams and returns an EngineResult."""
