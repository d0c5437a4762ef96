{{ atlas_indicator('stat_013_011_at', measure='patients') }}
