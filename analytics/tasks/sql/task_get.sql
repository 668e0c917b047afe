-- Params: {id:String}
-- Returns: state (the Task as JSON) of the newest version of one task, or no row.
SELECT state FROM tasks FINAL WHERE id = {id:String} LIMIT 1
