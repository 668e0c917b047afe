-- Params: {id:String}
-- Returns: payload (each event of the task as JSON) in version order.
SELECT payload FROM task_events WHERE task_id = {id:String} ORDER BY version
