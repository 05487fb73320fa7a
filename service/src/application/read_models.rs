//! The read models as queries see them: read, how far they have come,
//! and a wait until they include a position (read your writes).

use std::time::Duration;

use registre_projections::ReadModels;
use registre_schema::Position;

use crate::projector::{Projector, WaitError};

/// The read models kept up to date with the log. Cheap to clone.
#[derive(Clone)]
pub struct LiveModels(Projector<ReadModels>);

impl LiveModels {
    pub(super) fn new(projector: Projector<ReadModels>) -> Self {
        LiveModels(projector)
    }

    /// Reads the models and the position they stand at, in one consistent
    /// state.
    pub fn read<T>(&self, f: impl FnOnce(&ReadModels, Position) -> T) -> T {
        self.0.read(f)
    }

    /// The last position the models applied.
    pub fn position(&self) -> Position {
        self.0.progress().position
    }

    /// Waits until the models have applied `position`; fails when they
    /// stopped or `timeout` passed.
    pub async fn wait_for(&self, position: Position, timeout: Duration) -> Result<(), WaitError> {
        self.0.wait_for(position, timeout).await
    }
}
