{{ atlas_indicator(measure='patients', sector_level_since=2016) }}
