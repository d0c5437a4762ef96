{{ atlas_indicator('stat_013_010_at', measure='exams') }}
