import { ButtonLink, Card, EmptyState, PageHeader } from '../components/index.js';

export function NotFound() {
  return (
    <>
      <PageHeader title="Page not found" />
      <Card>
        <EmptyState
          title="There is no page at this address"
          icon="?"
          actions={
            <ButtonLink to="/" variant="primary">
              Go to the dashboard
            </ButtonLink>
          }
        />
      </Card>
    </>
  );
}
