"""The offline Atlas explorer: one self-contained HTML page of maps and charts of the published figures.

`imaging-atlas explore --db data/imaging_atlas.duckdb --out target/atlas/index.html` (or
`make explore`). Modules: `database` reads the built DuckDB file read-only, `figures` keeps only what
the publication layer shows, `payload` packs it as compact JSON and `site` inlines it with the
boundaries, style and script of `assets/` into the page.
"""
