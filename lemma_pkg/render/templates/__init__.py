"""Jinja2 templates of the HTML preview (a package so that package data ships them)."""
