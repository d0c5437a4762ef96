{{ atlas_indicator('stat_013_014_at', measure='exams') }}
