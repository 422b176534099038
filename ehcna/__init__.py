"""The EHC needs assessment engine: everything the design card does not fix at the top level."""
