{{ atlas_indicator('stat_013_015_at', measure='patients') }}
