"""QIR: lowering the IR to QIR profiles, loading QIR, and the catalogue of Azure targets."""
