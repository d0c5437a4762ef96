{{ atlas_indicator('stat_013_017_at', measure='patients') }}
