"""Rendering: Markdown to Moodle HTML (:mod:`.markdown`) and the static HTML preview (:mod:`.preview`)."""
