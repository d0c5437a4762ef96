{{ atlas_indicator('stat_013_023_at', measure='patients', sector_level_since=2016) }}
