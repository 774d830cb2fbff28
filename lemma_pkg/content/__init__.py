"""Course sources: the typed model (:mod:`.model`) and the loader that builds it (:mod:`.loader`)."""
