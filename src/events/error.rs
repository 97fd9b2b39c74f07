//! The one error type of `events`: why AWS would refuse an input (a test request, a route table, a PutEvents
//! entry, a JSON path or input transformer, an S3 event type, message attributes).

/// Why AWS would refuse an input. Each variant says what kind of input it was; the message names the offending
/// field or value the way AWS's own errors do (it is what users read in `check` problems and trace records).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// A test request for API Gateway (a traffic `request`): [`super::HttpRequest::from_json`].
    #[error("{0}")]
    Request(String),
    /// An API's route keys: [`super::RouteTable::new`].
    #[error("{0}")]
    Route(String),
    /// A PutEvents entry: [`super::envelope`].
    #[error("{0}")]
    Entry(String),
    /// An EventBridge JSON path (`input_path`, `input_paths`): [`super::validate_json_path`],
    /// [`super::eventbridge::eval_json_path`].
    #[error("{0}")]
    JsonPath(String),
    /// An input transformer (`input_paths` with `input_template`): [`super::validate_transformer`].
    #[error("{0}")]
    Transformer(String),
    /// A rule target's input shaping applied to an event: [`super::target_input`].
    #[error("{0}")]
    TargetInput(String),
    /// An S3 notification event type: [`super::validate_event_type`].
    #[error("{0}")]
    EventType(String),
    /// SQS or SNS message attributes: [`super::normalize_attributes`], [`super::sns::validate_sns_attributes`],
    /// [`super::sqs::validate_attribute_name`], [`super::sqs::validate_number_text`].
    #[error("{0}")]
    Attributes(String),
}

/// The message, for callers that report problems as text (the loader's problems, trace records).
impl From<EventError> for String {
    fn from(e: EventError) -> String {
        e.to_string()
    }
}
