{{ atlas_indicator('stat_013_024_at', measure='exams', sector_level_since=2016) }}
