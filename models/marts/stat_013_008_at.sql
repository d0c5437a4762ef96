{{ atlas_indicator('stat_013_008_at', measure='exams') }}
