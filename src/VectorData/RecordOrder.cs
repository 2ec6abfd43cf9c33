using Microsoft.Extensions.VectorData.ProviderServices;

namespace VectorEngine.VectorData;

/// <summary>Orders records by a list of properties, each ascending or descending; nulls sort first, as in LINQ to objects.</summary>
internal sealed class RecordOrder<TRecord>(IReadOnlyList<(PropertyModel Property, bool Ascending)> keys) : IComparer<TRecord>
{
    public int Compare(TRecord? x, TRecord? y)
    {
        foreach ((PropertyModel property, bool ascending) in keys)
        {
            int c = Comparer<object>.Default.Compare(property.GetValueAsObject(x!), property.GetValueAsObject(y!));
            if (c != 0)
            {
                return ascending ? c : -c;
            }
        }

        return 0;
    }
}
